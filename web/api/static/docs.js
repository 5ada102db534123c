/* Renders /api/v1/openapi.json as a readable page: operations by tag, their parameters,
   request body and responses, with the schemas they name expanded. Local, no library;
   text only (textContent), so nothing in the document is ever run as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("api-doc");
  if (!root) { return; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function resolve(doc, schema, depth) {
    if (!schema || depth > 6) { return schema; }
    if (schema.$ref) {
      var name = schema.$ref.split("/").pop();
      return resolve(doc, (doc.components.schemas || {})[name], depth + 1);
    }
    var out = {};
    Object.keys(schema).forEach(function (k) {
      var v = schema[k];
      if (k === "properties") {
        out[k] = {};
        Object.keys(v).forEach(function (p) { out[k][p] = resolve(doc, v[p], depth + 1); });
      } else if (k === "items" || k === "additionalProperties") {
        out[k] = typeof v === "object" ? resolve(doc, v, depth + 1) : v;
      } else if (k === "anyOf" || k === "oneOf" || k === "allOf") {
        out[k] = v.map(function (x) { return resolve(doc, x, depth + 1); });
      } else {
        out[k] = v;
      }
    });
    return out;
  }
  function schemaBlock(doc, schema) {
    return el("pre", null, JSON.stringify(resolve(doc, schema, 0), null, 2));
  }

  function renderOperation(doc, path, method, op) {
    var box = el("details", "api-op");
    var head = el("summary");
    head.appendChild(el("span", "api-method " + method, method));
    head.appendChild(el("span", "api-path", path));
    head.appendChild(el("span", null, op.summary || ""));
    box.appendChild(head);
    var body = el("div", "api-body");
    if (op.description) { body.appendChild(el("p", null, op.description)); }
    var roles = op["x-roles"];
    body.appendChild(el("p", "api-roles", roles ? "roles: " + roles.join(", ") : "public"));
    if (op.parameters && op.parameters.length) {
      var table = el("table");
      var tr = el("tr");
      ["name", "in", "required", "schema"].forEach(function (h) { tr.appendChild(el("th", null, h)); });
      table.appendChild(tr);
      op.parameters.forEach(function (p) {
        var row = el("tr");
        row.appendChild(el("td", null, p.name));
        row.appendChild(el("td", null, p["in"]));
        row.appendChild(el("td", null, p.required ? "yes" : ""));
        row.appendChild(el("td", null, JSON.stringify(resolve(doc, p.schema, 0))));
        table.appendChild(row);
      });
      body.appendChild(table);
    }
    if (op.requestBody) {
      Object.keys(op.requestBody.content).forEach(function (mt) {
        body.appendChild(el("h4", null, "request " + mt));
        body.appendChild(schemaBlock(doc, op.requestBody.content[mt].schema));
      });
    }
    Object.keys(op.responses || {}).forEach(function (status) {
      var r = op.responses[status];
      body.appendChild(el("h4", null, status + " " + (r.description || "")));
      if (r.content && status.charAt(0) === "2") {
        Object.keys(r.content).forEach(function (mt) {
          body.appendChild(schemaBlock(doc, r.content[mt].schema));
        });
      }
    });
    box.appendChild(body);
    return box;
  }

  function render(doc) {
    clear(root);
    root.appendChild(el("p", null, doc.info.title + " " + doc.info.version + " · OpenAPI " + doc.openapi));
    root.appendChild(el("pre", null, doc.info.description || ""));
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags || ["other"])[0];
        (byTag[tag] = byTag[tag] || []).push(renderOperation(doc, path, method, op));
      });
    });
    Object.keys(byTag).sort().forEach(function (tag) {
      var section = el("section", "api-tag");
      section.appendChild(el("h2", null, tag));
      byTag[tag].forEach(function (node) { section.appendChild(node); });
      root.appendChild(section);
    });
  }

  var xhr = new XMLHttpRequest();
  xhr.open("GET", root.getAttribute("data-src"));
  xhr.onload = function () {
    if (xhr.status !== 200) { return failed(); }
    try { render(JSON.parse(xhr.responseText)); } catch (e) { failed(); }
  };
  xhr.onerror = failed;
  function failed() { clear(root); root.appendChild(el("p", "error", root.getAttribute("data-failed"))); }
  xhr.send();
})();
