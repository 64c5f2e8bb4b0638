// Bundle entry for script/build.ts (ncc runs from this folder to use its tsconfig.json).
import '../src/entry/main.js'
