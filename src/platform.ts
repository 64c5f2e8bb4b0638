// What differs between the runner OSes for files: the path rules (the same code runs Windows' rules
// under `path.win32` in the unit tests) and the home folder, found as docker and podman find it.

import { homedir } from 'node:os'
import * as path from 'node:path'

export type Platform = NodeJS.Platform

/** The path functions of `platform`: Windows' on win32, POSIX elsewhere. */
export function pathFor(platform: Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

/**
 * The home folder docker (Go's os.UserHomeDir) and containers/image (homedir.Get) use: USERPROFILE
 * on Windows, where HOME may be Git Bash's; HOME elsewhere; else the account's, as os.homedir().
 */
export function homeDirectory(env: NodeJS.ProcessEnv, platform: Platform = process.platform): string {
  return (platform === 'win32' ? env.USERPROFILE : env.HOME) || homedir()
}
