// A tiny image as an OCI image layout, written here without any network: one layer (a gzipped
// tarball holding one file), its config, a manifest and index.json. Its content is unique per call,
// so a registry never has its blobs already and every push really uploads.

import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A ustar archive with one regular file; POSIX's layout of a 512-byte header and padded data. */
function tarWithOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512)
  const field = (value: string, offset: number, length: number): void => {
    header.write(value, offset, length, 'ascii')
  }
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0')
  field(name, 0, 100)
  field(octal(0o644, 8), 100, 8)
  field(octal(0, 8), 108, 8)
  field(octal(0, 8), 116, 8)
  field(octal(content.length, 12), 124, 12)
  field(octal(Math.floor(Date.now() / 1000), 12), 136, 12)
  field('        ', 148, 8)
  field('0', 156, 1)
  field('ustar\u000000', 257, 8)
  let checksum = 0
  for (const byte of header) checksum += byte
  field(`${octal(checksum, 7)}\u0000 `, 148, 8)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)])
}

export interface OciImage {
  /** The layout's folder. */
  dir: string
  /** The reference name in index.json. */
  tag: string
  /** The manifest's digest, as a registry reports it after a push. */
  manifestDigest: string
}

/** Writes a one-layer image into `dir` (created) as an OCI image layout. */
export function writeOciImage(dir: string, tag = 'latest'): OciImage {
  const blobs = join(dir, 'blobs', 'sha256')
  mkdirSync(blobs, { recursive: true })
  const blob = (data: Buffer): { digest: string; size: number } => {
    const hex = sha256(data)
    writeFileSync(join(blobs, hex), data)
    return { digest: `sha256:${hex}`, size: data.length }
  }
  const tar = tarWithOneFile('hello.txt', Buffer.from(`ecr-login e2e ${randomUUID()}\n`))
  const layer = blob(gzipSync(tar))
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] }
      })
    )
  )
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }]
      })
    )
  )
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag }
        }
      ]
    })
  )
  return { dir, tag, manifestDigest: manifest.digest }
}
