/**
 * The hash that picks which offending events a violation sample keeps:
 * 32-bit FNV-1a (offset basis 0x811c9dc5, prime 0x01000193) over the UTF-8
 * bytes of `prediction_id`, one 0x00 byte, then the UTF-8 bytes of the
 * feature name. Fixed and documented so that any instance — or any other
 * language — picks the same sample. Prediction ids are random (UUIDv7's
 * random bits), so the smallest hashes are a uniform sample of the events.
 */
const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;

/** FNV-1a 32 of the UTF-8 bytes of `text`, continuing from `hash`; unsigned. */
export function fnv1a32(text: string, hash = OFFSET_BASIS): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, PRIME);
      continue;
    }
    // Encode the code point as UTF-8; a lone surrogate becomes U+FFFD, as TextEncoder does.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), PRIME);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), PRIME);
    }
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), PRIME);
  }
  return h >>> 0;
}

/** The sample hash of an offending (prediction id, feature) pair. */
export function sampleHash(predictionId: string, feature: string): number {
  const h = Math.imul(fnv1a32(predictionId) ^ 0x00, PRIME);
  return fnv1a32(feature, h);
}
