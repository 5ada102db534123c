/*
 * Fairdraw: a small SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104) in plain JavaScript.
 *
 * The in-browser draw verifier (verify.js) uses the browser's WebCrypto where it exists.
 * Browsers hide `crypto.subtle` on pages that are not a secure context (plain HTTP on
 * anything but localhost, as on many government intranets), so this file is the fallback.
 * It is loaded from the same origin, needs nothing else and defines one global:
 *
 *   FairdrawSHA256.digest(bytes)           -> Uint8Array(32)   SHA-256 of a Uint8Array
 *   FairdrawSHA256.create()                -> {update(bytes), digest()}  incremental
 *   FairdrawSHA256.hmac(key, message)      -> Uint8Array(32)   HMAC-SHA256 (byte arrays)
 *   FairdrawSHA256.utf8(string)            -> Uint8Array       UTF-8 encoding
 *   FairdrawSHA256.hex(bytes)              -> string           lowercase hex
 *   FairdrawSHA256.ticketHasher(prefix, keyLength, hmacKey)
 *       -> function (key, out, offset)  hashes prefix + key (key: ASCII string of
 *          keyLength characters) with SHA-256, or with HMAC-SHA256 under hmacKey when given,
 *          and writes the 32-byte result as 8 big-endian 32-bit words into the Uint32Array
 *          `out` at `offset`. Words compare like the 256-bit big-endian ticket, so
 *          comparing them word by word orders tickets as the spec does. The prefix's
 *          complete 64-byte blocks (and HMAC's inner and outer key blocks) are compressed
 *          once, and no memory is allocated per key: this is the hot loop of a draw.
 *
 * Tested against the NIST SHA-256 vectors, RFC 4231 and the draw spec's worked examples
 * (tests/web/test_verify_js.py).
 */
(function (root) {
  "use strict";

  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ]);
  const IV = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
    0x5be0cd19,
  ]);

  // Message schedule scratch: the caller fills W[0..15], compress() does the rest.
  const W = new Int32Array(64);

  /** One SHA-256 compression of the block in W[0..15] into the state H (Int32Array(8)). */
  function compress(H) {
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15];
      const y = W[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = H[0];
    let b = H[1];
    let c = H[2];
    let d = H[3];
    let e = H[4];
    let f = H[5];
    let g = H[6];
    let h = H[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0;
    H[1] = (H[1] + b) | 0;
    H[2] = (H[2] + c) | 0;
    H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0;
    H[5] = (H[5] + f) | 0;
    H[6] = (H[6] + g) | 0;
    H[7] = (H[7] + h) | 0;
  }

  /** Load the 64-byte block bytes[off..off+63] into W[0..15] (big-endian words). */
  function loadBlock(bytes, off) {
    for (let i = 0; i < 16; i++, off += 4) {
      W[i] = (bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3];
    }
  }

  function wordsToBytes(H) {
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      out[4 * i] = H[i] >>> 24;
      out[4 * i + 1] = (H[i] >>> 16) & 0xff;
      out[4 * i + 2] = (H[i] >>> 8) & 0xff;
      out[4 * i + 3] = H[i] & 0xff;
    }
    return out;
  }

  /** Incremental SHA-256: update(bytes) any number of times, then digest(). */
  function create() {
    const H = new Int32Array(IV);
    const buf = new Uint8Array(64);
    let used = 0; // bytes waiting in buf
    let length = 0; // total bytes seen (a JS number: exact up to 2^53 bytes)
    let done = false;
    return {
      update(bytes) {
        if (done) throw new Error("SHA-256: update after digest");
        let off = 0;
        const n = bytes.length;
        length += n;
        if (used > 0) {
          const take = Math.min(64 - used, n);
          buf.set(bytes.subarray(0, take), used);
          used += take;
          off = take;
          if (used < 64) return this;
          loadBlock(buf, 0);
          compress(H);
          used = 0;
        }
        for (; off + 64 <= n; off += 64) {
          loadBlock(bytes, off);
          compress(H);
        }
        if (off < n) {
          buf.set(bytes.subarray(off), 0);
          used = n - off;
        }
        return this;
      },
      digest() {
        if (done) throw new Error("SHA-256: digest called twice");
        done = true;
        buf.fill(0, used);
        buf[used] = 0x80;
        if (used >= 56) {
          loadBlock(buf, 0);
          compress(H);
          buf.fill(0);
        }
        // Bit length as a 64-bit big-endian integer (high part via division: no 2^32 wrap).
        const high = Math.floor(length / 0x20000000);
        const low = (length * 8) >>> 0;
        buf[56] = high >>> 24;
        buf[57] = (high >>> 16) & 0xff;
        buf[58] = (high >>> 8) & 0xff;
        buf[59] = high & 0xff;
        buf[60] = low >>> 24;
        buf[61] = (low >>> 16) & 0xff;
        buf[62] = (low >>> 8) & 0xff;
        buf[63] = low & 0xff;
        loadBlock(buf, 0);
        compress(H);
        return wordsToBytes(H);
      },
    };
  }

  function digest(bytes) {
    return create().update(bytes).digest();
  }

  /** The 64-byte HMAC key block (RFC 2104): the key, hashed first if longer than 64. */
  function keyBlock(key) {
    const block = new Uint8Array(64);
    block.set(key.length > 64 ? digest(key) : key);
    return block;
  }

  function hmac(key, message) {
    const block = keyBlock(key);
    const inner = new Uint8Array(64);
    const outer = new Uint8Array(64);
    for (let i = 0; i < 64; i++) {
      inner[i] = block[i] ^ 0x36;
      outer[i] = block[i] ^ 0x5c;
    }
    const innerHash = create().update(inner).update(message).digest();
    return create().update(outer).update(innerHash).digest();
  }

  const encoder = new TextEncoder();

  function utf8(text) {
    return encoder.encode(text);
  }

  function hex(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  /** See the header: a fast hasher of prefix + key for many keys of one length. */
  function ticketHasher(prefix, keyLength, hmacKey) {
    // The bytes before the key: HMAC's inner key block (when keyed), then the prefix.
    let lead = prefix;
    let outerState = null;
    if (hmacKey) {
      const block = keyBlock(hmacKey);
      lead = new Uint8Array(64 + prefix.length);
      const outerBlock = new Uint8Array(64);
      for (let i = 0; i < 64; i++) {
        lead[i] = block[i] ^ 0x36;
        outerBlock[i] = block[i] ^ 0x5c;
      }
      lead.set(prefix, 64);
      outerState = new Int32Array(IV);
      loadBlock(outerBlock, 0);
      compress(outerState);
    }
    // Compress the complete blocks of `lead` once: the midstate every key starts from.
    const midstate = new Int32Array(IV);
    const full = lead.length - (lead.length % 64);
    for (let off = 0; off < full; off += 64) {
      loadBlock(lead, off);
      compress(midstate);
    }
    // The tail: rest of lead, the key, 0x80, zeros, 64-bit bit length; whole blocks.
    const rest = lead.length - full;
    const total = lead.length + keyLength;
    const tailLength = Math.ceil((rest + keyLength + 9) / 64) * 64;
    const tail = new Uint8Array(tailLength);
    tail.set(lead.subarray(full), 0);
    tail[rest + keyLength] = 0x80;
    const bits = total * 8; // a few hundred bytes: far below 2^32 bits
    tail[tailLength - 4] = bits >>> 24;
    tail[tailLength - 3] = (bits >>> 16) & 0xff;
    tail[tailLength - 2] = (bits >>> 8) & 0xff;
    tail[tailLength - 1] = bits & 0xff;
    const H = new Int32Array(8);

    return function hashKey(key, out, offset) {
      if (key.length !== keyLength) throw new Error("ticketHasher: key of the wrong length");
      for (let i = 0; i < keyLength; i++) {
        const code = key.charCodeAt(i);
        if (code > 0x7f) throw new Error("ticketHasher: key is not ASCII");
        tail[rest + i] = code;
      }
      H.set(midstate);
      for (let off = 0; off < tailLength; off += 64) {
        loadBlock(tail, off);
        compress(H);
      }
      if (outerState) {
        // Outer hash: the precomputed opad block, then one block with the inner digest,
        // 0x80, zeros and the bit length (64 + 32 bytes = 768 bits).
        for (let i = 0; i < 8; i++) W[i] = H[i];
        W[8] = 0x80000000 | 0;
        for (let i = 9; i < 15; i++) W[i] = 0;
        W[15] = 768;
        H.set(outerState);
        compress(H);
      }
      for (let i = 0; i < 8; i++) out[offset + i] = H[i];
    };
  }

  root.FairdrawSHA256 = Object.freeze({ digest, create, hmac, utf8, hex, ticketHasher });
})(globalThis);
