/* Fairdraw UI: small progressive enhancements, loaded by base.html (no inline scripts).
   Every page works without this file: copy and print buttons stay hidden, digests stay
   selectable text. ES5 on purpose: 360/QQ browsers in webkit mode run old engines.

   - button[data-copy="ID"]: copies the text of #ID (Clipboard API where the page is a
     secure context, else a selection and execCommand("copy")), says so in the next
     .copy-status, or selects the text and asks the user to copy it.
   - button[data-print]: prints the page.
   - [data-autofocus] (the form error summary): receives focus on load.
*/
(function () {
  "use strict";

  function each(selector, fn) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) {
      fn(nodes[i]);
    }
  }

  function selectText(node) {
    var selection = window.getSelection && window.getSelection();
    if (!selection || !document.createRange) {
      return false;
    }
    var range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
    return true;
  }

  function statusOf(button) {
    var node = button.nextElementSibling;
    while (node && !(node.className && /\bcopy-status\b/.test(node.className))) {
      node = node.nextElementSibling;
    }
    return node;
  }

  function say(button, text) {
    var status = statusOf(button);
    if (status) {
      status.textContent = text;
      window.setTimeout(function () {
        if (status.textContent === text) {
          status.textContent = "";
        }
      }, 4000);
    }
  }

  function copyBySelection(target) {
    if (!selectText(target)) {
      return false;
    }
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var text = target.textContent.replace(/\s+/g, "");
    var done = button.getAttribute("data-copied") || "Copied";
    var failed = button.getAttribute("data-failed") || "Select the text and copy it";
    if (window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(
        function () { say(button, done); },
        function () { say(button, copyBySelection(target) ? done : failed); }
      );
      return;
    }
    if (copyBySelection(target)) {
      say(button, done);
    } else {
      selectText(target);
      say(button, failed);
    }
  }

  function init() {
    each("button[data-copy]", function (button) {
      button.hidden = false;
      button.removeAttribute("hidden");
      button.addEventListener("click", function () { copy(button); });
    });
    each("button[data-print]", function (button) {
      button.hidden = false;
      button.removeAttribute("hidden");
      button.addEventListener("click", function () { window.print(); });
    });
    var summary = document.querySelector("[data-autofocus]");
    if (summary && summary.focus) {
      summary.focus();
    }
    document.documentElement.className += " js";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
