// Verifies a transaction's inclusion proof in the browser (Web Crypto only):
// 1. the journal entry's hash = SHA-256(previous hash || "seq|kind|ref_id|created_at|body");
// 2. the Merkle leaf = SHA-256(0x00 || entry hash), folded with the path (RFC 9162 2.1.3.2)
//    must give the checkpoint's root;
// 3. the checkpoint's Ed25519 signature over "coffer-checkpoint-v1\n<ledger>\n<size>\n<root hex>\n"
//    must verify with the public key the page shows (the server's signing key).
(function () {
  "use strict";
  var enc = new TextEncoder();

  function hex(bytes) { return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join(""); }
  function unhex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(i * 2, 2), 16); }
    return out;
  }
  function concat() {
    var parts = Array.prototype.slice.call(arguments);
    var size = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(size), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  function same(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }

  async function foldPath(leaf, index, size, path) {
    if (index < 0 || index >= size) { return null; }
    var fn = index, sn = size - 1, current = leaf;
    for (var i = 0; i < path.length; i++) {
      var node = unhex(path[i]);
      if (sn === 0) { return null; }
      if ((fn & 1) || fn === sn) {
        current = await sha256(concat(new Uint8Array([1]), node, current));
        if (!(fn & 1)) { while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else {
        current = await sha256(concat(new Uint8Array([1]), current, node));
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 ? current : null;
  }

  async function verify(proof, trustedKey, transactionId) {
    var steps = [];
    var e = proof.entry, cp = proof.checkpoint;
    var header = e.seq + "|" + e.kind + "|" + (e.ref_id === null ? "" : e.ref_id) + "|" + e.created_at + "|" + e.body;
    var entryHash = await sha256(concat(unhex(e.previous_hash), enc.encode(header)));
    steps.push(["The journal entry " + e.seq + " hashes to its stored hash", same(entryHash, unhex(e.hash))]);
    steps.push(["The entry records transaction " + transactionId, String(e.ref_id) === String(transactionId)]);
    var leaf = await sha256(concat(new Uint8Array([0]), unhex(e.hash)));
    var root = await foldPath(leaf, proof.leaf_index, proof.tree_size, proof.path);
    steps.push(["The Merkle path (" + proof.path.length + " hashes) leads to the root of checkpoint " + cp.tree_size,
                root !== null && proof.tree_size === cp.tree_size && hex(root) === cp.root]);
    steps.push(["The checkpoint is signed by the server's key", cp.public_key === trustedKey]);
    var message = enc.encode("coffer-checkpoint-v1\n" + cp.ledger + "\n" + cp.tree_size + "\n" + cp.root + "\n");
    var key = await crypto.subtle.importKey("raw", unhex(cp.public_key), { name: "Ed25519" }, false, ["verify"]);
    var signed = await crypto.subtle.verify({ name: "Ed25519" }, key, unhex(cp.signature), message);
    steps.push(["The Ed25519 signature of the checkpoint verifies", signed]);
    return steps;
  }

  function show(target, steps, error) {
    target.textContent = "";
    var list = document.createElement("ul");
    (steps || []).forEach(function (s) {
      var item = document.createElement("li");
      item.textContent = (s[1] ? "✔ " : "✘ ") + s[0];
      item.className = s[1] ? "ok" : "error";
      list.appendChild(item);
    });
    target.appendChild(list);
    var verdict = document.createElement("p");
    var ok = !error && steps.every(function (s) { return s[1]; });
    verdict.id = "proof-verdict";
    verdict.className = ok ? "ok" : "error";
    verdict.textContent = error ? ("Could not verify: " + error) : (ok ? "Verified: the transaction is in the signed journal." : "NOT verified.");
    target.appendChild(verdict);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("verify-proof");
    if (!button) { return; }
    var target = document.getElementById("proof-result");
    button.addEventListener("click", async function () {
      button.disabled = true;
      target.textContent = "Verifying…";
      try {
        var response = await fetch(button.dataset.proofUrl, { credentials: "same-origin" });
        if (!response.ok) { throw new Error("the server answered " + response.status); }
        var proof = await response.json();
        show(target, await verify(proof, button.dataset.publicKey, button.dataset.transaction), null);
      } catch (err) {
        show(target, [], err && err.message ? err.message : String(err));
      } finally {
        button.disabled = false;
      }
    });
  });
})();
