/* zhuanlan: small helpers for every page. The site works without them.
 *
 * - "/" puts the cursor in the search box.
 * - The reading aids in the header (适老化): 字号 in four sizes and 高对比度, remembered
 *   from page to page, and 朗读全文 (read aloud) on article pages.
 *
 * The reader's choices live in localStorage and show as attributes of <html>
 * (data-zl-size, data-zl-contrast) that the stylesheet acts on. A small inline script in
 * base.html sets them before the first paint, so that no page is ever drawn at the wrong
 * size; this file keeps the attributes, the buttons and the storage in step.
 *
 * Plain ES5 and no library, so that it runs in the older browsers of office PCs. The
 * 404 page inlines this file: it must never contain a closing script tag.
 */
(function () {
  "use strict";

  var root = document.documentElement;

  /* "/" puts the cursor in the search box, as on most sites with search. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var box = document.getElementById("site-search-input");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  /* --- The reader's choices ------------------------------------------------------ */

  var SIZE_KEY = "zhuanlan.size";
  var CONTRAST_KEY = "zhuanlan.contrast";
  var SIZES = ["small", "normal", "large", "xlarge"];

  /* Storage can be missing or refused (privacy settings, some file:// setups): then a
     choice still applies to the page, it is only not remembered. */
  function load(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function save(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (error) {
      /* not remembered */
    }
  }

  function validSize(size) {
    return SIZES.indexOf(size) >= 0 ? size : "normal";
  }

  function currentSize() {
    return validSize(root.getAttribute("data-zl-size"));
  }

  function isHighContrast() {
    return root.getAttribute("data-zl-contrast") === "high";
  }

  function applySize(size) {
    if (size === "normal") root.removeAttribute("data-zl-size");
    else root.setAttribute("data-zl-size", size);
  }

  function applyContrast(high) {
    if (high) root.setAttribute("data-zl-contrast", "high");
    else root.removeAttribute("data-zl-contrast");
  }

  /* The stored choices (the inline script has applied them already, unless a
     Content-Security-Policy kept it from running). */
  function restore() {
    applySize(validSize(load(SIZE_KEY)));
    applyContrast(load(CONTRAST_KEY) === "high");
  }

  /* --- The toolbar --------------------------------------------------------------- */

  var tools = document.getElementById("zl-tools");
  if (tools) setUpTools(tools);

  function setUpTools(tools) {
    var sizeButtons = tools.querySelectorAll(".zl-tools__sizes button");
    var contrast = document.getElementById("zl-contrast");
    var i;

    /* aria-pressed follows the attributes (the look already does, from the CSS). */
    function sync() {
      var size = currentSize();
      for (var j = 0; j < sizeButtons.length; j++) {
        sizeButtons[j].setAttribute("aria-pressed", String(sizeButtons[j].value === size));
      }
      if (contrast) contrast.setAttribute("aria-pressed", String(isHighContrast()));
    }

    function chooseSize(event) {
      var size = validSize(event.currentTarget.value);
      applySize(size);
      save(SIZE_KEY, size === "normal" ? null : size);
      sync();
    }

    for (i = 0; i < sizeButtons.length; i++) {
      sizeButtons[i].addEventListener("click", chooseSize);
    }
    if (contrast) {
      contrast.addEventListener("click", function () {
        var high = !isHighContrast();
        applyContrast(high);
        save(CONTRAST_KEY, high ? "high" : null);
        sync();
      });
    }

    /* A choice made in another tab, or a page shown again from the back-forward cache
       after a choice on another page: follow it. */
    window.addEventListener("storage", function (event) {
      if (event.key === SIZE_KEY || event.key === CONTRAST_KEY || event.key === null) {
        restore();
        sync();
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        restore();
        sync();
      }
    });

    restore();
    sync();
    root.setAttribute("data-zl-js", "");
    tools.hidden = false;

    var read = document.getElementById("zl-read");
    if (read) setUpReading(read, document.getElementById("zl-read-status"));
  }

  /* --- 朗读全文: the title and the body, read by the browser's own speech ------------- */

  function speechSupported() {
    return "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  }

  function setUpReading(button, status) {
    if (!speechSupported()) return; /* the button stays hidden */
    var synth = window.speechSynthesis;
    var title = document.getElementById("zl-title");
    var body = document.querySelector(".article__body");
    var reading = false;
    /* Each reading gets a number: events of one that was stopped are ignored. */
    var run = 0;

    function show(isReading) {
      reading = isReading;
      button.textContent = isReading ? "停止朗读" : "朗读全文";
    }

    function stop() {
      run += 1;
      show(false);
      synth.cancel();
    }

    function fail(event) {
      if (event.error === "interrupted" || event.error === "canceled") return;
      stop();
      if (status) status.textContent = "无法朗读：浏览器或系统中可能没有中文语音。";
    }

    function start() {
      var parts = pieces((title ? title.textContent : "") + "\n" + (body ? readableText(body) : ""));
      if (!parts.length) return;
      synth.cancel();
      run += 1;
      var mine = run;
      var voice = chineseVoice(synth);
      if (status) status.textContent = "";
      show(true);
      for (var i = 0; i < parts.length; i++) {
        var utterance = new window.SpeechSynthesisUtterance(parts[i]);
        utterance.lang = "zh-CN";
        if (voice) utterance.voice = voice;
        utterance.onerror = function (event) {
          if (mine === run) fail(event);
        };
        if (i === parts.length - 1) {
          utterance.onend = function () {
            if (mine === run) show(false);
          };
        }
        synth.speak(utterance);
      }
    }

    button.addEventListener("click", function () {
      if (reading) stop();
      else start();
    });
    /* Leaving the page ends the reading (some browsers would go on talking). */
    window.addEventListener("pagehide", function () {
      if (reading) stop();
    });
    button.hidden = false;
  }

  /* A local zh-CN voice if there is one: network voices stop after about 15 seconds in
     some browsers and send the text elsewhere. Otherwise the browser picks by lang. */
  function chineseVoice(synth) {
    var voices = synth.getVoices ? synth.getVoices() : [];
    var found = null;
    for (var i = 0; i < voices.length; i++) {
      if (String(voices[i].lang).replace("_", "-").toLowerCase() !== "zh-cn") continue;
      if (voices[i].localService) return voices[i];
      found = found || voices[i];
    }
    return found;
  }

  /* The text a reader sees, one line per block, without footnote marks and back links. */
  function readableText(element) {
    var out = [];
    (function walk(parent) {
      for (var node = parent.firstChild; node; node = node.nextSibling) {
        if (node.nodeType === 3) {
          out.push(node.nodeValue);
        } else if (node.nodeType === 1) {
          var tag = node.tagName;
          if (tag === "BR") {
            out.push("\n");
            continue;
          }
          var classes = " " + node.className + " ";
          if (/ footnote-(ref|backref) /.test(classes) || node.getAttribute("aria-hidden") === "true") continue;
          var display = window.getComputedStyle(node).display;
          if (display === "none") continue;
          var block = display.indexOf("inline") !== 0;
          if (block) out.push("\n");
          walk(node);
          if (block) out.push("\n");
        }
      }
    })(element);
    return out.join("");
  }

  /* Short pieces, a sentence or so each: some browsers cut a long utterance off. */
  var LONGEST = 100;
  var SENTENCE_END = /([。！？!?；;]+[”’」』）)]*)/g;
  var CLAUSE_END = /([，、：,:]+)/g;

  function pieces(text) {
    var result = [];
    var lines = text.split(/\n+/);
    for (var i = 0; i < lines.length; i++) {
      var sentences = cut(lines[i].replace(/\s+/g, " "), SENTENCE_END);
      for (var j = 0; j < sentences.length; j++) {
        if (sentences[j].length <= LONGEST) {
          keep(result, sentences[j]);
          continue;
        }
        /* A long sentence: as many clauses at a time as fit. */
        var clauses = cut(sentences[j], CLAUSE_END);
        var piece = "";
        for (var k = 0; k < clauses.length; k++) {
          var clause = clauses[k];
          if (piece.length + clause.length > LONGEST) {
            keep(result, piece);
            piece = "";
          }
          while (clause.length > LONGEST) {
            keep(result, clause.slice(0, LONGEST));
            clause = clause.slice(LONGEST);
          }
          piece += clause;
        }
        keep(result, piece);
      }
    }
    return result;
  }

  /* `text` split after each run of `marks` (which stay with the text before them). */
  function cut(text, marks) {
    return text.replace(marks, "$1\n").split("\n");
  }

  function keep(list, text) {
    text = text.replace(/^\s+|\s+$/g, "");
    if (text) list.push(text);
  }
})();
