/**
 * What the edge-publisher and the devices share, so that both sides read one definition: the
 * signed manifest (its canonical bytes, Ed25519 signing and verification, key ids), the trainer's
 * signed image statement that must accompany it ({@link dev.distill.contract.ota.ImageVerifier}), the key
 * hierarchy behind it (an offline root that certifies online keys for a role and revokes them:
 * {@link dev.distill.contract.ota.RootAuthority} signs, {@link dev.distill.contract.ota.RootOfTrust}
 * checks), the lossless delta codec between two versions of a model artifact, and the JSON
 * bodies of the OTA HTTP API. Nothing here does I/O over the network; a device in another
 * language reimplements it from {@code docs/ota-manifest.md}.
 */
package dev.distill.contract.ota;
