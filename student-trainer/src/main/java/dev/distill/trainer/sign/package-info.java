/**
 * The trainer's image key: it signs every published version's artifact (model, version, sha256,
 * length) so that devices, which require this signature beside the publisher's manifest, never
 * install an artifact the trainer did not make. Read from {@code DISTILL_TRAINER_SIGNING_*}.
 */
package dev.distill.trainer.sign;
