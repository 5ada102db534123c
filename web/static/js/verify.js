/*
 * Fairdraw: verify this draw, in the browser (在浏览器中核验本次抽取).
 *
 * Downloads a published plan's verification bundle and recomputes the draw of spec
 * draw-v1 here, in the visitor's browser: algorithm `sha256-bottom-k/1` (open plans,
 * sections 1-5) and `hmac-sha256-bottom-k/1` (sealed plans, section 7). It reports
 * "verified" or the FIRST mismatch, with what was expected and what was found.
 * Hashing uses WebCrypto (crypto.subtle) where the page is a secure context, and the
 * bundled sha256.js otherwise (plain-HTTP intranet sites have no crypto.subtle).
 * No framework, no build step, nothing from the internet, no inline script (strict CSP).
 *
 * ---------------------------------------------------------------------------------
 * MARKUP CONTRACT (for the plan page template)
 *
 *   <link rel="stylesheet" href="/static/verify.css">
 *   <section class="verify-panel"
 *            data-plan-code="SC-2027-001"
 *            data-bundle-url="/plans/SC-2027-001/bundle.json"
 *            data-commitment-url="/plans/SC-2027-001/commitment.json"
 *            data-verify-py-url="/static/verify.py"
 *            data-lang="zh">
 *     <p>核验本次抽取需要启用 JavaScript。也可以下载 bundle.json 和 verify.py，
 *        运行 python3 verify.py bundle.json。</p>
 *   </section>
 *   <script src="/static/js/sha256.js" defer></script>
 *   <script src="/static/js/verify.js" defer></script>
 *
 * - data-bundle-url (required): the public bundle, `/plans/<code>/bundle.json`.
 * - data-plan-code (recommended): the page's plan; a bundle of another plan is a mismatch.
 * - data-commitment-url (optional): `/plans/<code>/commitment.json`; when given, the
 *   digests (population_digest, and for sealed plans population_keys_digest and
 *   strata_key_commitment when the commitment has them), frozen_at, seed, population
 *   size and the per-stratum size/ratio_bp/k are compared with it.
 * - data-verify-py-url (optional): where verify.py is served; without it no link is shown.
 * - data-lang (optional): "zh..." or "en..."; default <html lang>. Chinese pages show
 *   Chinese with English beneath; English pages show English only.
 * - Whatever the section contains is the no-JavaScript fallback: the script replaces it.
 * - Load sha256.js before verify.js, or leave it out: verify.js then loads it itself
 *   from the same folder when it needs it (same origin, allowed by script-src 'self').
 * - Several panels on one page work independently.
 *
 * The script sets on the section: data-state = idle | running | verified | partial
 * | mismatch | error, data-crypto = webcrypto | js (the hashing used) and, once done,
 * data-elapsed-ms. CSS class names it creates (styled by web/static/verify.css):
 *   verify-title, verify-intro, verify-start (button), verify-progress,
 *   verify-progress-bar (<progress>), verify-progress-text, verify-steps (<ol>),
 *   verify-step (<li>, data-state = running | ok | failed), verify-result
 *   (data-state as on the section), verify-result-title, verify-icon (<svg>),
 *   verify-detail (<dl>; a mismatch's <dd> are verify-what, verify-expected and
 *   verify-found), verify-value (<code>), verify-statement (sealed plans),
 *   verify-auditor, verify-auditor-file (<input type=file>), verify-offline,
 *   verify-command (<pre>), verify-en (the English line under Chinese text).
 * ---------------------------------------------------------------------------------
 */
(function () {
  "use strict";

  const OPEN = "sha256-bottom-k/1";
  const SEALED = "hmac-sha256-bottom-k/1";
  const SEED_RE = /^[0-9]{20,}$/;
  const KEY_RE = /^[0-9A-Z]{18}$/;
  const KEY_LENGTH = 18;
  const HEX64_RE = /^[0-9a-f]{64}$/;
  const SLICE_MS = 20; // longest stretch of work before letting the page breathe
  const SHA256_URL =
    document.currentScript && document.currentScript.src
      ? new URL("sha256.js", document.currentScript.src).href
      : null;
  const encoder = new TextEncoder();

  // ---------------------------------------------------------------------------------
  // Small helpers

  /** A bilingual text. */
  function T(zh, en) {
    return { zh, en };
  }

  function fmt(n) {
    return Number(n).toLocaleString("en-US");
  }

  /** Let the browser render and handle input. MessageChannel is not throttled like
   * setTimeout (4 ms clamp; once a second in a background tab). */
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  function breathe() {
    return new Promise((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });
  }

  /** Compare strings in code point order, which is the byte order of their UTF-8 (the
   * spec's key order, and Python's str order). JS `<` compares UTF-16 code units, which
   * differs only between astral characters and U+E000..U+FFFF. */
  function cmpCodePoints(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x !== y) {
        if (x >= 0xd800 && y >= 0xd800) {
          x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
          y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
        }
        return x < y ? -1 : 1;
      }
    }
    return a.length - b.length;
  }

  /** Sample size of spec section 3, in BigInt: exact whatever the bundle says. (With real
   * numbers, N <= a few million and bp <= 10,000, so N * bp stays far below 2^53 and
   * Number arithmetic would be exact too; BigInt also covers a tampered, huge ratio_bp.) */
  function sampleSize(n, bp) {
    const N = BigInt(n);
    const k = (N * BigInt(bp) + 9999n) / 10000n;
    return Number(k < N ? k : N);
  }

  function isCount(v) {
    return Number.isSafeInteger(v);
  }

  function short(v) {
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + "…" : s;
  }

  /** The first mismatch: what is checked, what was expected (and from where), what was
   * found (and where). Values are strings or bilingual texts. */
  class Mismatch extends Error {
    constructor(what, expected, found) {
      super(what.en);
      this.what = what;
      this.expected = expected;
      this.found = found;
    }
  }

  /** A failure to run at all (network, not JSON): not a verdict on the draw. */
  class Failure extends Error {
    constructor(text) {
      super(text.en);
      this.text = text;
    }
  }

  const FROM_BUNDLE = T("核验包中", "in the bundle");
  const FROM_FILE = T("审计包中", "in the auditor bundle");
  const FROM_COMMITMENT = T("冻结时公布的承诺", "the commitment published at the freeze");
  const FROM_PUBLIC = T("公开核验包", "the public bundle");
  const FROM_POPULATION = T("由总体重新计算", "recomputed from the population");

  function shapeError(expectedText, found, from) {
    return new Mismatch(
      T("核验包格式", "bundle format"),
      { value: expectedText },
      { value: short(found), from: from || FROM_BUNDLE }
    );
  }

  // ---------------------------------------------------------------------------------
  // Hashing back ends: WebCrypto when the page has it, else the bundled sha256.js.

  let fallbackLoading = null;

  function loadFallback() {
    if (globalThis.FairdrawSHA256) return Promise.resolve(globalThis.FairdrawSHA256);
    if (!fallbackLoading) {
      fallbackLoading = new Promise((resolve, reject) => {
        if (!SHA256_URL) {
          reject(new Failure(T("找不到 sha256.js", "sha256.js cannot be found")));
          return;
        }
        const s = document.createElement("script");
        s.src = SHA256_URL;
        s.onload = () => resolve(globalThis.FairdrawSHA256);
        s.onerror = () =>
          reject(new Failure(T("无法加载 sha256.js", "sha256.js could not be loaded")));
        document.head.appendChild(s);
      });
    }
    return fallbackLoading;
  }

  function concat(chunks) {
    let n = 0;
    for (const c of chunks) n += c.length;
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  function toHex(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  function webCryptoBackend(subtle) {
    return {
      name: "webcrypto",
      async digestHex(chunks) {
        return toHex(new Uint8Array(await subtle.digest("SHA-256", concat(chunks))));
      },
      async tickets(prefix, keys, hmacKey, out, progress) {
        const key = hmacKey
          ? await subtle.importKey("raw", hmacKey, { name: "HMAC", hash: "SHA-256" }, false, [
              "sign",
            ])
          : null;
        const len = prefix.length + KEY_LENGTH;
        const CHUNK = 4096;
        for (let lo = 0; lo < keys.length; lo += CHUNK) {
          const hi = Math.min(keys.length, lo + CHUNK);
          const buf = new Uint8Array((hi - lo) * len); // one message per key, never reused
          const pending = [];
          for (let i = lo; i < hi; i++) {
            const off = (i - lo) * len;
            buf.set(prefix, off);
            const k = keys[i];
            for (let j = 0; j < KEY_LENGTH; j++) buf[off + prefix.length + j] = k.charCodeAt(j);
            const msg = buf.subarray(off, off + len);
            pending.push(key ? subtle.sign("HMAC", key, msg) : subtle.digest("SHA-256", msg));
          }
          const results = await Promise.all(pending);
          for (let i = lo; i < hi; i++) {
            const dv = new DataView(results[i - lo]);
            for (let w = 0; w < 8; w++) out[i * 8 + w] = dv.getUint32(4 * w);
          }
          progress(hi);
          await breathe();
        }
      },
    };
  }

  function javaScriptBackend(S) {
    return {
      name: "js",
      async digestHex(chunks) {
        const h = S.create();
        let start = performance.now();
        for (const c of chunks) {
          h.update(c);
          if (performance.now() - start > SLICE_MS) {
            await breathe();
            start = performance.now();
          }
        }
        return S.hex(h.digest());
      },
      async tickets(prefix, keys, hmacKey, out, progress) {
        const hash = S.ticketHasher(prefix, KEY_LENGTH, hmacKey);
        let start = performance.now();
        for (let lo = 0; lo < keys.length; lo += 1024) {
          const hi = Math.min(keys.length, lo + 1024);
          for (let i = lo; i < hi; i++) hash(keys[i], out, i * 8);
          if (performance.now() - start > SLICE_MS) {
            progress(hi);
            await breathe();
            start = performance.now();
          }
        }
        progress(keys.length);
      },
    };
  }

  /** WebCrypto where available, as the issue asks. Measured in chromium 156 on a shared
   * 2-core VM, 200,000 tickets take about 1.3-2 s through crypto.subtle (a per-call cost
   * of some microseconds) and 0.3-0.6 s through sha256.js; both give the same bytes. */
  async function chooseBackend() {
    const subtle = globalThis.crypto && globalThis.crypto.subtle;
    if (subtle) return webCryptoBackend(subtle);
    return javaScriptBackend(await loadFallback());
  }

  /** UTF-8 of the lines line(i) for i in 0..n-1, in chunks (to hash without one huge string). */
  async function lineChunks(n, line) {
    const chunks = [];
    let start = performance.now();
    for (let lo = 0; lo < n; lo += 8192) {
      let s = "";
      for (let i = lo; i < Math.min(n, lo + 8192); i++) s += line(i);
      chunks.push(encoder.encode(s));
      if (performance.now() - start > SLICE_MS) {
        await breathe();
        start = performance.now();
      }
    }
    return chunks;
  }

  /** Indices 0..n-1 ordered by key (stable); the identity when already ascending. */
  function keyOrder(keys) {
    const idx = Array.from(keys, (_, i) => i);
    for (let i = 1; i < keys.length; i++) {
      if (cmpCodePoints(keys[i - 1], keys[i]) > 0) {
        return idx.sort((a, b) => cmpCodePoints(keys[a], keys[b]));
      }
    }
    return idx;
  }

  // ---------------------------------------------------------------------------------
  // The checks, in the spec's order. Each throws a Mismatch at the first problem.

  /** Shape of a bundle; pairs: population as [key, stratum] pairs (else keys only). */
  function checkShape(b, algorithm, pairs, pageCode, from) {
    if (b === null || typeof b !== "object" || Array.isArray(b)) {
      throw shapeError(T("一个 JSON 对象", "a JSON object"), b, from);
    }
    if (b.algorithm !== algorithm) {
      throw new Mismatch(
        T("算法", "algorithm"),
        { value: algorithm },
        { value: short(b.algorithm), from: from || FROM_BUNDLE }
      );
    }
    const strings = ["plan_code", "seed", "population_digest", "frozen_at"];
    if (algorithm === SEALED) strings.push("population_keys_digest", "strata_key_commitment");
    for (const name of strings) {
      if (typeof b[name] !== "string") {
        throw shapeError(T(`“${name}”为字符串`, `'${name}' is a string`), b[name], from);
      }
    }
    for (const name of ["strata", "population", "selected"]) {
      if (!Array.isArray(b[name])) {
        throw shapeError(T(`“${name}”为列表`, `'${name}' is a list`), b[name], from);
      }
    }
    b.strata.forEach((row, i) => {
      const ok =
        row !== null &&
        typeof row === "object" &&
        typeof row.stratum === "string" &&
        isCount(row.size) &&
        isCount(row.k) &&
        (row.ratio_bp === null || isCount(row.ratio_bp));
      if (!ok) {
        throw shapeError(
          T(
            `strata[${i}] 为 {stratum: 字符串, size: 整数, ratio_bp: 整数或 null, k: 整数}`,
            `strata[${i}] is {stratum: string, size: int, ratio_bp: int|null, k: int}`
          ),
          row,
          from
        );
      }
    });
    b.population.forEach((p, i) => {
      const ok = pairs
        ? Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string"
        : typeof p === "string";
      if (!ok) {
        throw shapeError(
          pairs
            ? T(`population[${i}] 为 [代码, 层] 二元组`, `population[${i}] is a [key, stratum] pair`)
            : T(
                `population[${i}] 为代码字符串（密封计划的公开核验包只列代码）`,
                `population[${i}] is a key string (a sealed plan's public bundle lists keys only)`
              ),
          p,
          from
        );
      }
    });
    b.selected.forEach((k, i) => {
      if (typeof k !== "string") {
        throw shapeError(T(`selected[${i}] 为字符串`, `selected[${i}] is a string`), k, from);
      }
    });
    if (!b.plan_code) {
      throw shapeError(T("非空的计划编号", "a non-empty plan_code"), b.plan_code, from);
    }
    if (pageCode && b.plan_code !== pageCode) {
      throw new Mismatch(
        T("计划编号", "plan code"),
        { value: pageCode, from: T("本页的计划", "this page's plan") },
        { value: b.plan_code, from: from || FROM_BUNDLE }
      );
    }
  }

  /** Compare a bundle's field with what was published before (commitment, public bundle). */
  function compareWithPublished(what, field, found, foundFrom, sources) {
    for (const src of sources) {
      const v = src.obj && src.obj[field];
      if (v === undefined || v === null) continue;
      if (v !== found) {
        throw new Mismatch(
          what,
          { value: String(v), from: src.from },
          { value: found, from: foundFrom }
        );
      }
    }
  }

  /** Recompute a digest and compare it with the bundle's field. */
  function compareDigest(what, recomputed, claimed, claimedFrom) {
    if (recomputed !== claimed) {
      throw new Mismatch(
        what,
        { value: recomputed, from: FROM_POPULATION },
        { value: claimed, from: claimedFrom }
      );
    }
  }

  const POP_DIGEST = T("总体摘要", "population digest");
  const KEYS_DIGEST = T("总体代码摘要", "population keys digest");
  const FROZEN_AT = T("冻结时间", "frozen time");

  function checkSeed(b, from, sources) {
    if (!SEED_RE.test(b.seed)) {
      throw new Mismatch(
        T("种子", "seed"),
        { value: T("至少 20 位 ASCII 十进制数字", "at least 20 ASCII decimal digits") },
        { value: short(b.seed), from }
      );
    }
    compareWithPublished(T("种子", "seed"), "seed", b.seed, from, sources);
  }

  /** Keys well-formed, ascending in byte order, unique (the population is sorted then). */
  function checkKeys(keys, strata, from) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (!KEY_RE.test(key)) {
        throw new Mismatch(
          T(`总体第 ${i + 1} 项的代码`, `key of population[${i}]`),
          { value: T("18 位大写字母或数字", "18 upper-case ASCII letters or digits") },
          { value: short(key), from }
        );
      }
      if (strata && (!strata[i] || strata[i].includes("\n"))) {
        throw new Mismatch(
          T(`总体第 ${i + 1} 项的层`, `stratum of population[${i}]`),
          { value: T("非空、单行的层名", "a non-empty, single-line label") },
          { value: short(strata[i]), from }
        );
      }
      if (i > 0 && key <= keys[i - 1]) {
        // Both keys are ASCII here, so `<=` is byte order.
        throw new Mismatch(
          T(`总体第 ${i + 1} 项的顺序`, `order of population[${i}]`),
          {
            value: T(
              `在 ${keys[i - 1]} 之后（代码唯一且升序）`,
              `after ${keys[i - 1]} (keys unique and ascending)`
            ),
          },
          {
            value:
              key === keys[i - 1]
                ? T(`${key} 重复`, `${key} repeated`)
                : T(`${key} 排在 ${keys[i - 1]} 之前`, `${key}, which comes before it`),
            from,
          }
        );
      }
    }
  }

  /** Stratum rows: unique labels, sizes (counted when the population lists strata, else
   * adding up to the population), k from ratio or count; then the same rows as published.
   * Returns {label: k} (labels in code point order). */
  function checkStrata(b, counts, populationSize, from, sources) {
    const ks = new Map();
    let sizeSum = 0;
    for (let i = 0; i < b.strata.length; i++) {
      const row = b.strata[i];
      const label = row.stratum;
      const what = T(`第 ${i + 1} 层“${label}”`, `stratum ${i + 1} '${label}'`);
      if (ks.has(label) || !label) {
        throw new Mismatch(
          T(`第 ${i + 1} 层的层名`, `label of strata[${i}]`),
          { value: T("唯一、非空的层名", "a unique, non-empty label") },
          { value: short(label), from }
        );
      }
      if (counts) {
        const n = counts.get(label) || 0;
        if (row.size !== n) {
          throw new Mismatch(
            T(`${what.zh}的规模`, `size of ${what.en}`),
            { value: fmt(n), from: T("总体中该层的主体数", "entities of it in the population") },
            { value: fmt(row.size), from }
          );
        }
      } else if (row.size < 0) {
        throw new Mismatch(
          T(`${what.zh}的规模`, `size of ${what.en}`),
          { value: T("不为负数", "not negative") },
          { value: fmt(row.size), from }
        );
      }
      const n = row.size;
      sizeSum += n;
      if (row.ratio_bp !== null) {
        if (row.ratio_bp < 0) {
          throw new Mismatch(
            T(`${what.zh}的比例`, `ratio of ${what.en}`),
            { value: T("不为负数的基点数", "a non-negative number of basis points") },
            { value: fmt(row.ratio_bp), from }
          );
        }
        const k = sampleSize(n, row.ratio_bp);
        if (row.k !== k) {
          throw new Mismatch(
            T(`${what.zh}的抽取数 k`, `k of ${what.en}`),
            {
              value: fmt(k),
              from: T(
                `N=${fmt(n)}，${row.ratio_bp} 个基点：min(N, (N×bp+9999)÷10000)`,
                `N=${fmt(n)} at ${row.ratio_bp} bp: min(N, (N*bp+9999)//10000)`
              ),
            },
            { value: fmt(row.k), from }
          );
        }
      } else if (row.k < 0 || row.k > n) {
        throw new Mismatch(
          T(`${what.zh}的抽取数 k`, `k of ${what.en}`),
          { value: T(`0 至 ${fmt(n)}（按数量抽取，不超过 N）`, `0..${fmt(n)} (a count, at most N)`) },
          { value: fmt(row.k), from }
        );
      }
      ks.set(label, row.k);
    }
    if (counts) {
      for (const label of [...counts.keys()].sort(cmpCodePoints)) {
        if (!ks.has(label)) {
          throw new Mismatch(
            T("层列表", "strata list"),
            { value: T(`包含总体中的层“${label}”`, `lists the population's stratum '${label}'`) },
            { value: T("缺少该层", "it is missing"), from }
          );
        }
      }
    } else if (sizeSum !== populationSize) {
      throw new Mismatch(
        T("各层规模之和", "sum of the stratum sizes"),
        { value: fmt(populationSize), from: T("总体中的主体数", "entities in the population") },
        { value: fmt(sizeSum), from }
      );
    }
    for (const src of sources) {
      const obj = src.obj;
      if (!obj) continue;
      if (isCount(obj.population_size) && obj.population_size !== populationSize) {
        throw new Mismatch(
          T("总体规模", "population size"),
          { value: fmt(obj.population_size), from: src.from },
          { value: fmt(populationSize), from }
        );
      }
      if (!Array.isArray(obj.strata)) continue;
      const theirs = new Map(obj.strata.map((r) => [r && r.stratum, r]));
      for (const row of b.strata) {
        const r = theirs.get(row.stratum);
        const what = T(`层“${row.stratum}”`, `stratum '${row.stratum}'`);
        if (!r) {
          throw new Mismatch(
            T("层列表", "strata list"),
            { value: T(`没有层“${row.stratum}”`, `no stratum '${row.stratum}'`), from: src.from },
            { value: T("列有该层", "it is listed"), from }
          );
        }
        for (const [field, zh] of [
          ["size", "规模"],
          ["ratio_bp", "比例（基点）"],
          ["k", "抽取数 k"],
        ]) {
          if (r[field] !== undefined && r[field] !== row[field]) {
            throw new Mismatch(
              T(`${what.zh}的${zh}`, `${field} of ${what.en}`),
              { value: String(r[field]), from: src.from },
              { value: String(row[field]), from }
            );
          }
        }
      }
      for (const r of obj.strata) {
        if (r && !ks.has(r.stratum)) {
          throw new Mismatch(
            T("层列表", "strata list"),
            { value: T(`包含层“${r.stratum}”`, `lists stratum '${r.stratum}'`), from: src.from },
            { value: T("缺少该层", "it is missing"), from }
          );
        }
      }
    }
    return new Map([...ks.entries()].sort((x, y) => cmpCodePoints(x[0], y[0])));
  }

  /** Recompute the draw of spec section 3 (or 7 with hmacKey) and compare it with
   * `selected`, entry by entry. */
  async function checkDraw(ctx, b, keys, strata, ks, hmacKey, from) {
    const n = keys.length;
    const tickets = new Uint32Array(n * 8);
    const prefix = encoder.encode(b.seed + "|" + b.plan_code + "|");
    ctx.progress(0, n);
    await ctx.backend.tickets(prefix, keys, hmacKey, tickets, (done) => ctx.progress(done, n));
    const members = new Map();
    for (let i = 0; i < n; i++) {
      const list = members.get(strata[i]);
      if (list) list.push(i);
      else members.set(strata[i], [i]);
    }
    const byTicket = (i, j) => {
      for (let w = 0, a = i * 8, c = j * 8; w < 8; w++, a++, c++) {
        if (tickets[a] !== tickets[c]) return tickets[a] < tickets[c] ? -1 : 1;
      }
      return keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0;
    };
    const expected = []; // [index, stratum, rank]
    for (const [label, k] of ks) {
      const list = members.get(label) || [];
      list.sort(byTicket);
      for (let r = 0; r < k; r++) expected.push([list[r], label, r + 1]);
      await breathe();
    }
    const sel = b.selected;
    for (let i = 0; i < Math.min(sel.length, expected.length); i++) {
      const [idx, label, rank] = expected[i];
      if (sel[i] !== keys[idx]) {
        const hex = Array.from(tickets.subarray(idx * 8, idx * 8 + 8), (w) =>
          w.toString(16).padStart(8, "0")
        ).join("");
        throw new Mismatch(
          T(`抽中名单第 ${i + 1} 项`, `selected[${i}]`),
          {
            value: keys[idx],
            from: T(
              `重新抽取：层“${label}”第 ${rank} 名，签号 ${hex.slice(0, 16)}…`,
              `recomputed: stratum '${label}', rank ${rank}, ticket ${hex.slice(0, 16)}…`
            ),
          },
          { value: short(sel[i]), from }
        );
      }
    }
    if (sel.length !== expected.length) {
      throw new Mismatch(
        T("抽中名单的长度", "length of the selection"),
        { value: fmt(expected.length), from: T("重新抽取", "recomputed") },
        { value: fmt(sel.length), from }
      );
    }
  }

  async function populationDigest(backend, keys, strata) {
    const order = keyOrder(keys);
    return backend.digestHex(
      await lineChunks(keys.length, (i) => keys[order[i]] + "," + strata[order[i]] + "\n")
    );
  }

  async function keysDigest(backend, keys) {
    const order = keyOrder(keys);
    return backend.digestHex(await lineChunks(keys.length, (i) => keys[order[i]] + "\n"));
  }

  /** Open plan (sections 1-5): everything. */
  async function verifyOpen(ctx, b, commitment) {
    const sources = commitment ? [{ obj: commitment, from: FROM_COMMITMENT }] : [];
    let keys, strata;
    await ctx.step(T("核验包格式", "bundle format"), () => {
      checkShape(b, OPEN, true, ctx.planCode);
      keys = b.population.map((p) => p[0]);
      strata = b.population.map((p) => p[1]);
    });
    await ctx.step(POP_DIGEST, async () => {
      compareDigest(
        POP_DIGEST,
        await populationDigest(ctx.backend, keys, strata),
        b.population_digest,
        FROM_BUNDLE
      );
      const digest = b.population_digest;
      compareWithPublished(POP_DIGEST, "population_digest", digest, FROM_BUNDLE, sources);
      compareWithPublished(FROZEN_AT, "frozen_at", b.frozen_at, FROM_BUNDLE, sources);
    });
    await ctx.step(T("种子与主体代码", "seed and entity codes"), () => {
      checkSeed(b, FROM_BUNDLE, sources);
      checkKeys(keys, strata, FROM_BUNDLE);
    });
    let ks;
    await ctx.step(T("各层规模与抽取数", "stratum sizes and sample sizes"), () => {
      const counts = new Map();
      for (const s of strata) counts.set(s, (counts.get(s) || 0) + 1);
      ks = checkStrata(b, counts, keys.length, FROM_BUNDLE, sources);
    });
    await ctx.step(T("逐层重新抽取", "re-draw stratum by stratum"), () =>
      checkDraw(ctx, b, keys, strata, ks, null, FROM_BUNDLE)
    );
    return {
      state: "verified",
      summary: T(
        `计划 ${b.plan_code}：总体 ${fmt(keys.length)} 个主体、${fmt(ks.size)} 层，` +
          `抽中 ${fmt(b.selected.length)} 个，与重新抽取的结果逐一一致。`,
        `Plan ${b.plan_code}: ${fmt(keys.length)} entities in ${fmt(ks.size)} strata, ` +
          `${fmt(b.selected.length)} drawn, identical to the recomputed draw.`
      ),
      digest: b.population_digest,
      compared: !!commitment,
    };
  }

  /** Sealed plan, public bundle (section 7): keys only; what can be checked without
   * the strata key. */
  async function verifySealedPublic(ctx, b, commitment) {
    const sources = commitment ? [{ obj: commitment, from: FROM_COMMITMENT }] : [];
    await ctx.step(T("核验包格式", "bundle format"), () => {
      checkShape(b, SEALED, false, ctx.planCode);
    });
    const keys = b.population;
    await ctx.step(KEYS_DIGEST, async () => {
      const recomputed = await keysDigest(ctx.backend, keys);
      compareDigest(KEYS_DIGEST, recomputed, b.population_keys_digest, FROM_BUNDLE);
      const fields = [
        [KEYS_DIGEST, "population_keys_digest"],
        [POP_DIGEST, "population_digest"],
        [T("分层密钥承诺", "strata key commitment"), "strata_key_commitment"],
        [FROZEN_AT, "frozen_at"],
      ];
      for (const [what, field] of fields) {
        compareWithPublished(what, field, b[field], FROM_BUNDLE, sources);
      }
    });
    await ctx.step(T("种子与主体代码", "seed and entity codes"), () => {
      checkSeed(b, FROM_BUNDLE, sources);
      checkKeys(keys, null, FROM_BUNDLE);
    });
    let ks;
    await ctx.step(T("各层规模之和与抽取数", "stratum sizes add up, sample sizes follow"), () => {
      ks = checkStrata(b, null, keys.length, FROM_BUNDLE, sources);
    });
    await ctx.step(T("各层抽取数之和", "sample sizes add up to the selection"), () => {
      let total = 0;
      for (const k of ks.values()) total += k;
      if (total !== b.selected.length) {
        throw new Mismatch(
          T("抽中名单的长度", "length of the selection"),
          { value: fmt(total), from: T("各层 k 之和", "the sum of the strata's k") },
          { value: fmt(b.selected.length), from: FROM_BUNDLE }
        );
      }
    });
    await ctx.step(T("抽中主体均属于总体", "the selection is part of the population"), () => {
      const sel = b.selected;
      let j = 0; // merge walk: both lists ascending
      for (let i = 0; i < sel.length; i++) {
        const key = sel[i];
        if (!KEY_RE.test(key)) {
          throw new Mismatch(
            T(`抽中名单第 ${i + 1} 项`, `selected[${i}]`),
            { value: T("18 位大写字母或数字", "18 upper-case ASCII letters or digits") },
            { value: short(key), from: FROM_BUNDLE }
          );
        }
        if (i > 0 && key <= sel[i - 1]) {
          throw new Mismatch(
            T(`抽中名单第 ${i + 1} 项的顺序`, `order of selected[${i}]`),
            {
              value: T(
                `在 ${sel[i - 1]} 之后（按代码升序、不重复）`,
                `after ${sel[i - 1]} (ascending key order, no repeats)`
              ),
            },
            { value: key, from: FROM_BUNDLE }
          );
        }
        while (j < keys.length && keys[j] < key) j++;
        if (j >= keys.length || keys[j] !== key) {
          throw new Mismatch(
            T(`抽中名单第 ${i + 1} 项`, `selected[${i}]`),
            { value: T("总体中的一个主体", "an entity of the population") },
            {
              value: T(`${key}，不在总体中`, `${key}, which is not in the population`),
              from: FROM_BUNDLE,
            }
          );
        }
      }
    });
    return {
      state: "partial",
      summary: T(
        `计划 ${b.plan_code}：总体 ${fmt(keys.length)} 个主体、${fmt(ks.size)} 层，` +
          `抽中 ${fmt(b.selected.length)} 个；公开部分全部一致。`,
        `Plan ${b.plan_code}: ${fmt(keys.length)} entities in ${fmt(ks.size)} strata, ` +
          `${fmt(b.selected.length)} drawn; everything public agrees.`
      ),
      digest: b.population_keys_digest,
      digestLabel: T("总体代码摘要", "Population keys digest"),
      compared: !!commitment,
      statement: T(
        "本计划按信用风险分类分层，而信用风险分类不公开，所以本计划是密封计划：" +
          "公开核验包只列出主体代码，不含每个主体所在的层，抽签号也要用保密的分层密钥才能计算。" +
          "因此这里无法核验每一层内的抽取是否正确。这一步需要审计包（含分层密钥和各主体的层），" +
          "只提供给审计、法院和纪检监察人员；他们可以在本页下方选择审计包文件完成全部核验。" +
          "分层密钥在冻结时、种子产生之前就已作出承诺，无法事后挑选。",
        "This plan is stratified by credit-risk class, which is confidential, so the plan is " +
          "sealed: the public bundle lists the entities' codes but not their strata, and the " +
          "tickets can only be computed with the secret strata key. So the draw within each " +
          "stratum cannot be checked here. That check needs the auditor bundle (with the " +
          "strata key and each entity's stratum), which only auditors, courts and discipline " +
          "inspectors receive; they can choose that file below to run the full check. The " +
          "strata key was committed at the freeze, before the seed existed, so it cannot " +
          "have been chosen afterwards."
      ),
    };
  }

  function hexToBytes(h) {
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
    return out;
  }

  /** Sealed plan, auditor bundle (section 7): the key, both digests and the keyed draw,
   * and agreement with what was published. */
  async function verifyAuditor(ctx, b, commitment, publicBundle) {
    const sources = [];
    if (commitment) sources.push({ obj: commitment, from: FROM_COMMITMENT });
    if (publicBundle && publicBundle.algorithm === SEALED) {
      sources.push({ obj: publicBundle, from: FROM_PUBLIC });
    }
    let keys, strata;
    await ctx.step(T("审计包格式", "auditor bundle format"), () => {
      checkShape(b, SEALED, true, ctx.planCode, FROM_FILE);
      if (typeof b.strata_key !== "string" || !HEX64_RE.test(b.strata_key)) {
        throw new Mismatch(
          T("分层密钥", "strata key"),
          { value: T("64 位小写十六进制（32 字节）", "64 lowercase hex digits (32 bytes)") },
          { value: short(b.strata_key), from: FROM_FILE }
        );
      }
      keys = b.population.map((p) => p[0]);
      strata = b.population.map((p) => p[1]);
    });
    const KEY_COMMIT = T("分层密钥承诺", "strata key commitment");
    await ctx.step(KEY_COMMIT, async () => {
      const text = "fairdraw-strata-key|" + b.plan_code + "|" + b.strata_key;
      const commit = await ctx.backend.digestHex([encoder.encode(text)]);
      if (commit !== b.strata_key_commitment) {
        throw new Mismatch(
          KEY_COMMIT,
          { value: commit, from: T("由分层密钥重新计算", "recomputed from the strata key") },
          { value: b.strata_key_commitment, from: FROM_FILE }
        );
      }
      compareWithPublished(KEY_COMMIT, "strata_key_commitment", commit, FROM_FILE, sources);
    });
    await ctx.step(T("总体摘要与总体代码摘要", "population digest and keys digest"), async () => {
      const digest = await populationDigest(ctx.backend, keys, strata);
      compareDigest(POP_DIGEST, digest, b.population_digest, FROM_FILE);
      compareWithPublished(POP_DIGEST, "population_digest", digest, FROM_FILE, sources);
      const keysOnly = await keysDigest(ctx.backend, keys);
      compareDigest(KEYS_DIGEST, keysOnly, b.population_keys_digest, FROM_FILE);
      compareWithPublished(KEYS_DIGEST, "population_keys_digest", keysOnly, FROM_FILE, sources);
      compareWithPublished(FROZEN_AT, "frozen_at", b.frozen_at, FROM_FILE, sources);
    });
    await ctx.step(T("种子与主体代码", "seed and entity codes"), () => {
      checkSeed(b, FROM_FILE, sources);
      checkKeys(keys, strata, FROM_FILE);
    });
    let ks;
    await ctx.step(T("各层规模与抽取数", "stratum sizes and sample sizes"), () => {
      const counts = new Map();
      for (const s of strata) counts.set(s, (counts.get(s) || 0) + 1);
      ks = checkStrata(b, counts, keys.length, FROM_FILE, sources);
    });
    await ctx.step(T("用分层密钥逐层重新抽取", "keyed re-draw stratum by stratum"), () =>
      checkDraw(ctx, b, keys, strata, ks, hexToBytes(b.strata_key), FROM_FILE)
    );
    if (publicBundle && publicBundle.algorithm === SEALED && Array.isArray(publicBundle.selected)) {
      await ctx.step(T("与公开的抽中名单一致", "same selection as the public bundle"), () => {
        const mine = b.selected.slice().sort(cmpCodePoints);
        const theirs = publicBundle.selected;
        for (let i = 0; i < Math.max(mine.length, theirs.length); i++) {
          if (mine[i] !== theirs[i]) {
            throw new Mismatch(
              T(`公开抽中名单（按代码排序）第 ${i + 1} 项`, `public selection, entry ${i + 1} in key order`),
              { value: short(mine[i] === undefined ? "—" : mine[i]), from: FROM_FILE },
              { value: short(theirs[i] === undefined ? "—" : theirs[i]), from: FROM_PUBLIC }
            );
          }
        }
      });
    }
    return {
      state: "verified",
      summary: T(
        `审计包：计划 ${b.plan_code}，总体 ${fmt(keys.length)} 个主体、${fmt(ks.size)} 层，` +
          `抽中 ${fmt(b.selected.length)} 个，用分层密钥重新抽取的结果逐一一致。`,
        `Auditor bundle: plan ${b.plan_code}, ${fmt(keys.length)} entities in ` +
          `${fmt(ks.size)} strata, ${fmt(b.selected.length)} drawn, identical to the keyed ` +
          `re-draw.`
      ),
      digest: b.population_digest,
      compared: !!commitment,
    };
  }

  // ---------------------------------------------------------------------------------
  // The panel

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    verified: "M20 6 9 17l-5-5", // check mark
    mismatch: "M18 6 6 18M6 6l12 12", // cross
    partial: "M12 16v-5m0-3h.01", // "i"
    error: "M12 8v5m0 3h.01", // "!"
  };

  function icon(state) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "verify-icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (state !== "verified" && state !== "mismatch") {
      const circle = document.createElementNS(SVG_NS, "circle");
      circle.setAttribute("cx", "12");
      circle.setAttribute("cy", "12");
      circle.setAttribute("r", "10");
      circle.setAttribute("fill", "none");
      circle.setAttribute("stroke", "currentColor");
      circle.setAttribute("stroke-width", "2");
      svg.appendChild(circle);
    }
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[state]);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", state === "verified" || state === "mismatch" ? "3" : "2");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    return svg;
  }

  /** Replace a node's children (Element.replaceChildren is missing before Chrome 86,
   * and 360/QQ browsers in "webkit" mode often run older cores). */
  function fill(node, ...children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    node.append(...children);
  }

  /** A chosen file's text (File.text() is missing before Chrome 76). */
  function readText(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsText(file, "utf-8");
    });
  }

  function el(tag, className, ...children) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function setupPanel(panel) {
    const zh = (panel.dataset.lang || document.documentElement.lang || "zh")
      .toLowerCase()
      .startsWith("zh");
    const planCode = panel.dataset.planCode || "";
    const bundleUrl = panel.dataset.bundleUrl;
    const commitmentUrl = panel.dataset.commitmentUrl || "";
    const verifyPyUrl = panel.dataset.verifyPyUrl || "";

    /** Inline text: Chinese with the English in a span after it, or English only. */
    function say(msg) {
      if (typeof msg === "string") return document.createTextNode(msg);
      if (!zh) {
        const s = el("span", null, msg.en);
        s.lang = "en";
        return s;
      }
      const frag = document.createDocumentFragment();
      const c = el("span", null, msg.zh);
      c.lang = "zh-CN";
      const e = el("span", "verify-en", msg.en);
      e.lang = "en";
      frag.append(c, " ", e);
      return frag;
    }

    /** Block text: a Chinese paragraph with the English paragraph beneath, or English. */
    function paragraphs(className, msg) {
      const frag = document.createDocumentFragment();
      if (zh) {
        const p = el("p", className, msg.zh);
        p.lang = "zh-CN";
        frag.append(p);
      }
      const e = el("p", zh ? `${className} verify-en` : className, msg.en);
      e.lang = "en";
      frag.append(e);
      return frag;
    }

    fill(panel);
    panel.dataset.state = "idle";
    const title = el("h2", "verify-title", say(T("核验本次抽取", "Verify this draw")));
    const intro = paragraphs(
      "verify-intro",
      T(
        "点击下方按钮，浏览器会下载本计划公开的核验包，按公开的抽取规则（draw-v1）" +
          "在您的电脑上重新抽取一遍，并与公布的结果逐项比对。不会向服务器发送任何内容。",
        "The button below downloads this plan's public verification bundle and re-runs the " +
          "draw on your computer by the published rules (draw-v1), then compares it with " +
          "the published result item by item. Nothing is sent to the server."
      )
    );
    const start = el("button", "verify-start", say(T("开始核验", "Verify now")));
    start.type = "button";
    const bar = el("progress", "verify-progress-bar");
    const barId = `verify-bar-${Math.random().toString(36).slice(2, 10)}`;
    bar.id = barId;
    const progressText = el("p", "verify-progress-text");
    progressText.setAttribute("role", "status");
    progressText.setAttribute("aria-live", "polite");
    const progressLabel = el("label", "verify-progress-label", say(T("核验进度", "Progress")));
    progressLabel.htmlFor = barId;
    const progressBox = el("div", "verify-progress", progressLabel, bar, progressText);
    progressBox.hidden = true;
    const steps = el("ol", "verify-steps");
    steps.hidden = true;
    const result = el("div", "verify-result");
    result.setAttribute("role", "status");
    result.setAttribute("aria-live", "polite");
    result.hidden = true;

    // Auditors of sealed plans: a file chosen from disk, read here, never uploaded.
    const fileId = `verify-file-${Math.random().toString(36).slice(2, 10)}`;
    const fileInput = el("input", "verify-auditor-file");
    fileInput.type = "file";
    fileInput.id = fileId;
    fileInput.accept = ".json,application/json";
    const fileLabel = el(
      "label",
      "verify-auditor-label",
      say(T("审计人员：选择审计包文件（JSON）", "Auditors: choose the auditor bundle file (JSON)"))
    );
    fileLabel.htmlFor = fileId;
    const auditor = el(
      "div",
      "verify-auditor",
      fileLabel,
      fileInput,
      paragraphs(
        "verify-auditor-note",
        T(
          "文件只在您的浏览器中读取和核验，不会上传到服务器。",
          "The file is read and checked in your browser only; it is not uploaded."
        )
      )
    );
    auditor.hidden = true;

    // Offline check with verify.py.
    const offline = el("div", "verify-offline");
    const offlineText = T(
      "也可以在自己的电脑上用 Python 3 核验：下载 verify.py 和核验包 bundle.json，放在同一文件夹，运行：",
      "You can also check it on your own computer with Python 3: download verify.py and " +
        "the bundle as bundle.json into one folder and run:"
    );
    offline.append(paragraphs("verify-offline-text", offlineText));
    const links = el("p", "verify-downloads");
    if (verifyPyUrl) {
      const a = el("a", null, "verify.py");
      a.href = verifyPyUrl;
      a.setAttribute("download", "verify.py");
      links.append(a, " ");
    }
    const bundleLink = el("a", null, "bundle.json");
    bundleLink.href = bundleUrl;
    bundleLink.setAttribute("download", "bundle.json");
    links.append(bundleLink);
    const command = el("pre", "verify-command", el("code", null, "python3 verify.py bundle.json"));
    offline.append(links, command);

    panel.append(title, intro, start, progressBox, steps, result, auditor, offline);

    let publicBundle = null;
    let commitment = null;
    let busy = false;
    let lastLive = -Infinity;

    function setState(state) {
      panel.dataset.state = state;
      result.dataset.state = state;
    }

    function progress(done, total) {
      bar.max = total || 1;
      bar.value = done;
      // The bar follows every update; the (live) text changes at most once a second, so
      // that screen readers are not flooded.
      const now = performance.now();
      if (now - lastLive >= 1000 || done === total) {
        lastLive = now;
        const text = T(
          `已核验 ${fmt(done)} / ${fmt(total)} …`,
          `Checked ${fmt(done)} / ${fmt(total)} …`
        );
        fill(progressText, say(text));
      }
    }

    function phase(msg) {
      bar.removeAttribute("value"); // indeterminate
      lastLive = -Infinity;
      fill(progressText, say(msg));
    }

    async function step(name, fn) {
      const li = el("li", "verify-step");
      li.dataset.state = "running";
      const mark = el("span", "verify-step-mark", say(T("核验中", "checking")));
      li.append(mark, " ", say(name));
      steps.append(li);
      phase(T(`正在核验：${name.zh} …`, `Checking: ${name.en} …`));
      await breathe();
      const t0 = performance.now();
      try {
        await fn();
      } catch (err) {
        li.dataset.state = "failed";
        fill(mark, "✗ ", say(T("不一致", "mismatch")));
        throw err;
      }
      li.dataset.state = "ok";
      fill(mark, "✓ ", say(T("通过", "passed")));
      // For profiling: performance.getEntriesByType("measure") lists each step's time.
      try {
        performance.measure(`fairdraw-verify: ${name.en}`, { start: t0 });
      } catch (err) {
        // Older browsers take no options object here; the timing is only for profiling.
      }
    }

    function showOutcome(outcome, t0, backend, heading) {
      const state = outcome.state;
      setState(state);
      panel.dataset.elapsedMs = String(Math.round(performance.now() - t0));
      if (backend) panel.dataset.crypto = backend.name;
      const words = {
        verified: T("核验通过", "Verified"),
        partial: T("公开部分核验通过", "Public part verified"),
        mismatch: T("发现不一致", "Mismatch found"),
        error: T("未能完成核验", "Verification could not be completed"),
      };
      const head = el("p", "verify-result-title", icon(state), " ", say(words[state]));
      fill(result, head);
      if (heading) result.append(paragraphs("verify-result-scope", heading));
      if (outcome.summary) result.append(paragraphs("verify-summary", outcome.summary));
      if (outcome.mismatch) {
        const m = outcome.mismatch;
        const dl = el("dl", "verify-detail");
        const value = (v) =>
          typeof v.value === "string" ? el("code", "verify-value", v.value) : say(v.value);
        const [open, close] = zh ? ["（", "）"] : ["(", ")"];
        const from = (v) =>
          v.from ? [" ", el("span", "verify-from", open, say(v.from), close)] : [];
        dl.append(
          el("dt", null, say(T("检查项", "Check"))),
          el("dd", "verify-what", say(m.what)),
          el("dt", null, say(T("应为", "Expected"))),
          el("dd", "verify-expected", value(m.expected), ...from(m.expected)),
          el("dt", null, say(T("实际", "Found"))),
          el("dd", "verify-found", value(m.found), ...from(m.found))
        );
        result.append(dl);
        result.append(
          paragraphs(
            "verify-note",
            T(
              "核验在第一处不一致处停止。若核验包被篡改或与公布的内容不同，请联系发布机关。",
              "The check stops at the first mismatch. If the bundle was altered or differs " +
                "from what was published, please contact the publishing body."
            )
          )
        );
      }
      if (outcome.failure) result.append(paragraphs("verify-summary", outcome.failure));
      if (outcome.digest) {
        const dl = el("dl", "verify-detail");
        dl.append(
          el("dt", null, say(outcome.digestLabel || T("总体摘要", "Population digest"))),
          el("dd", null, el("code", "verify-value", outcome.digest))
        );
        result.append(dl);
        result.append(
          paragraphs(
            "verify-note",
            outcome.compared
              ? T(
                  "摘要与冻结时公布的承诺一致；也可以与冻结时在其他渠道公告的摘要对照。",
                  "The digests equal the commitment published at the freeze; you can also " +
                    "compare them with the digest announced elsewhere at the freeze."
                )
              : T(
                  "请将此摘要与冻结时公布的摘要对照。",
                  "Compare this digest with the one published at the freeze."
                )
          )
        );
      }
      if (outcome.statement) {
        const text = paragraphs("verify-statement-text", outcome.statement);
        result.append(el("div", "verify-statement", text));
      }
      if (backend) {
        const ms = Number(panel.dataset.elapsedMs);
        const took =
          ms < 100
            ? T("用时不到 0.1 秒", "Took less than 0.1 s")
            : T(`用时 ${(ms / 1000).toFixed(1)} 秒`, `Took ${(ms / 1000).toFixed(1)} s`);
        result.append(
          paragraphs(
            "verify-note",
            backend.name === "webcrypto"
              ? T(
                  `${took.zh}，使用浏览器内置的 WebCrypto 计算 SHA-256。`,
                  `${took.en}, hashing with the browser's WebCrypto.`
                )
              : T(
                  `${took.zh}。浏览器在此页面上不提供 WebCrypto（页面不是 HTTPS 安全连接），` +
                    "因此改用本站自带的 SHA-256 程序（已用标准测试向量检验）计算。",
                  `${took.en}. The browser offers no WebCrypto on this page (it is not on a ` +
                    "secure HTTPS connection), so the site's own SHA-256 code (checked " +
                    "against the standard test vectors) was used instead."
                )
          )
        );
      }
      result.hidden = false;
      progressBox.hidden = true;
    }

    async function fetchJson(url, what) {
      let resp;
      try {
        resp = await fetch(url, { credentials: "same-origin" });
      } catch (err) {
        throw new Failure(
          T(`无法下载${what.zh}：网络错误。`, `Could not download the ${what.en}: network error.`)
        );
      }
      if (!resp.ok) {
        throw new Failure(
          T(
            `无法下载${what.zh}（HTTP ${resp.status}）。`,
            `Could not download the ${what.en} (HTTP ${resp.status}).`
          )
        );
      }
      try {
        return await resp.json();
      } catch (err) {
        throw new Failure(T(`${what.zh}不是有效的 JSON。`, `The ${what.en} is not valid JSON.`));
      }
    }

    /** Run one verification: `load` fetches or reads, `check` runs the steps. */
    async function run(load, check, heading) {
      if (busy) return;
      busy = true;
      start.disabled = true;
      fileInput.disabled = true;
      const t0 = performance.now();
      setState("running");
      fill(steps);
      steps.hidden = false;
      result.hidden = true;
      progressBox.hidden = false;
      lastLive = -Infinity;
      let backend = null;
      try {
        await load();
        backend = await chooseBackend();
        panel.dataset.crypto = backend.name;
        const ctx = { backend, planCode, step, progress };
        const outcome = await check(ctx);
        showOutcome(outcome, t0, backend, heading);
      } catch (err) {
        if (err instanceof Mismatch) {
          showOutcome({ state: "mismatch", mismatch: err }, t0, backend, heading);
        } else {
          const text =
            err instanceof Failure ? err.text : T(`内部错误：${err}`, `Internal error: ${err}`);
          showOutcome({ state: "error", failure: text }, t0, backend, heading);
        }
      } finally {
        busy = false;
        start.disabled = false;
        fileInput.disabled = false;
        fill(start, say(T("重新核验", "Verify again")));
      }
    }

    start.addEventListener("click", () => {
      run(
        async () => {
          phase(T("正在下载核验包 …", "Downloading the bundle …"));
          const [b, c] = await Promise.all([
            fetchJson(bundleUrl, T("核验包", "bundle")),
            commitmentUrl ? fetchJson(commitmentUrl, T("冻结时的承诺", "commitment")) : null,
          ]);
          publicBundle = b;
          commitment = c;
          if (b && b.algorithm === SEALED) auditor.hidden = false;
        },
        (ctx) => {
          if (publicBundle && publicBundle.algorithm === SEALED) {
            return verifySealedPublic(ctx, publicBundle, commitment);
          }
          return verifyOpen(ctx, publicBundle, commitment);
        },
        null
      );
    });

    fileInput.addEventListener("change", () => {
      const file = fileInput.files && fileInput.files[0];
      if (!file) return;
      let auditorBundle = null;
      run(
        async () => {
          phase(T("正在读取审计包 …", "Reading the auditor bundle …"));
          let text;
          try {
            text = await readText(file);
          } catch (err) {
            throw new Failure(T("无法读取所选文件。", "The chosen file cannot be read."));
          }
          try {
            auditorBundle = JSON.parse(text);
          } catch (err) {
            throw new Failure(T("所选文件不是有效的 JSON。", "The chosen file is not valid JSON."));
          }
        },
        (ctx) => verifyAuditor(ctx, auditorBundle, commitment, publicBundle),
        T(`审计包：${file.name}`, `Auditor bundle: ${file.name}`)
      );
    });
  }

  function init() {
    for (const panel of document.querySelectorAll(".verify-panel[data-bundle-url]")) {
      if (!panel.dataset.state) setupPanel(panel);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
