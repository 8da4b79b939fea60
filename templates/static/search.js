/* zhuanlan search: finds every article whose title or text contains the query.
 *
 * The index (built with the site, see zhuanlan/search/index.py) is a set of classic
 * scripts under search/, loaded with <script> tags because that is what works from
 * file:// as well as over HTTP, at the domain root or under a sub-path. Each calls
 * __zhuanlanSearch(name, data). A query loads the manifest, then only the shards
 * holding its characters (one in each group of chunks), then only the documents it
 * shows (and the text code of each chunk they are in).
 *
 * Matching is exact: a query of length 1 reads the character's document list; a longer
 * one reads the positions of the character pairs at offsets 0, 2, 4, ... (and the last
 * pair), and keeps the positions where every pair is in its place.
 */
(function () {
  "use strict";

  var FORMAT = 3;
  var PAGE = 10;
  // The text code's symbols: printable ASCII but " and \ (see search/index.py).
  var SYMBOL_COUNT = 93;
  var SYMBOL_INDEX = (function () {
    var index = [];
    var next = 0;
    for (var c = 0; c < 0x80; c++) {
      index.push(c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? next++ : -1);
    }
    return index;
  })();

  var script = document.currentScript;
  var indexBase = script.getAttribute("data-index"); // "../search/" from the search page
  var siteRoot = script.getAttribute("data-root"); // "../"

  /* ---- Loading index files ---- */

  var arrived = {};
  var loading = {};
  var loadedNames = [];
  window.__zhuanlanSearch = function (name, data) {
    arrived[name] = data;
  };

  function load(name) {
    if (loading[name]) return loading[name];
    loading[name] = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = indexBase + name + ".js";
      tag.async = true;
      tag.onload = function () {
        tag.remove();
        if (name in arrived) {
          loadedNames.push(name);
          resolve(arrived[name]);
        } else {
          reject(new Error(name));
        }
      };
      tag.onerror = function () {
        tag.remove();
        delete loading[name];
        reject(new Error(name));
      };
      document.head.appendChild(tag);
    });
    return loading[name];
  }

  function bytesOf(base64) {
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function varints(base64) {
    var bytes = bytesOf(base64);
    var out = [];
    var value = 0;
    var shift = 0;
    for (var i = 0; i < bytes.length; i++) {
      value += (bytes[i] & 0x7f) * Math.pow(2, shift);
      if (bytes[i] & 0x80) {
        shift += 7;
      } else {
        out.push(value);
        value = 0;
        shift = 0;
      }
    }
    return out;
  }

  /* Order-k Exp-Golomb codes, most significant bit first (see search/codec.py). */
  function BitReader(bytes, start) {
    this.bytes = bytes;
    this.bit = start * 8;
  }
  BitReader.prototype.read = function (k) {
    var bytes = this.bytes;
    var bit = this.bit;
    var zeros = 0;
    while (((bytes[bit >> 3] >> (7 - (bit & 7))) & 1) === 0) {
      zeros++;
      bit++;
    }
    var count = zeros + k + 1;
    var x = 0;
    for (var i = 0; i < count; i++, bit++) {
      x = x * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    this.bit = bit;
    return x - Math.pow(2, k);
  };
  BitReader.prototype.align = function () {
    this.bit = (this.bit + 7) & ~7;
  };

  /* ---- The manifest ---- */

  var manifest = null;

  function ready() {
    return load("index").then(function (data) {
      if (manifest) return manifest;
      if (data.format !== FORMAT) throw new Error("format");
      var lengths = varints(data.lengths);
      var titles = varints(data.titles);
      var starts = new Array(lengths.length);
      var position = 0;
      for (var i = 0; i < lengths.length; i++) {
        starts[i] = position;
        position += lengths[i] + 1;
      }
      var chunkStarts = [];
      for (var d = 0; d < lengths.length; d += data.chunk) chunkStarts.push(starts[d]);
      manifest = {
        data: data,
        starts: starts,
        titles: titles,
        chunkStarts: chunkStarts,
      };
      return manifest;
    });
  }

  /* ---- Folding: what counts as the same character ---- */

  function fold(char) {
    var known = manifest.data.folds[char];
    if (known !== undefined) return known;
    var folded = char.normalize("NFKC").toLowerCase();
    return Array.from(folded).length === 1 ? folded : char;
  }

  function terms(query) {
    var folded = Array.from(query).map(fold).join("");
    var seen = {};
    return folded.split(/\s+/).filter(function (term) {
      if (!term || seen[term]) return false;
      seen[term] = true;
      return true;
    });
  }

  /* ---- Records ---- */

  function lastAtMost(sorted, key) {
    var low = 0;
    var high = sorted.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (sorted[middle] <= key) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /* The record of `key` in the shards of one kind ("b" or "u"), whose first keys are
   * `groups` (one list per group of chunks): its part in each group that has one, in
   * group order, each [bytes, start, end]. */
  function record(kind, groups, key) {
    return Promise.all(
      groups.map(function (firstKeys, group) {
        var shard = lastAtMost(firstKeys, key);
        if (shard < 0) return null;
        return load(kind + "/" + group + "/" + shard).then(function (data) {
          var index = data.keys.indexOf(key);
          if (index < 0) return null;
          if (!data.bytes) data.bytes = bytesOf(data.data);
          return [data.bytes, index ? data.ends[index - 1] : 0, data.ends[index]];
        });
      })
    ).then(function (parts) {
      return parts.filter(Boolean);
    });
  }

  /* Calls visit(reader) at the start of every segment of a record's parts. */
  function eachSegment(parts, visit) {
    parts.forEach(function (found) {
      var reader = new BitReader(found[0], found[1]);
      var end = found[2] * 8;
      while (reader.bit < end) {
        visit(reader);
        reader.align();
      }
    });
  }

  function positionsOf(parts) {
    var positions = [];
    eachSegment(parts, function (reader) {
      var chunk = reader.read(0);
      var count = reader.read(0) + 1;
      var k = reader.read(0);
      var position = manifest.chunkStarts[chunk] - 1;
      for (var i = 0; i < count; i++) {
        position += reader.read(k) + 1;
        positions.push(position);
      }
    });
    return positions;
  }

  function documentsOf(parts) {
    var matches = new Map();
    var size = manifest.data.chunk;
    eachSegment(parts, function (reader) {
      var chunk = reader.read(0);
      var count = reader.read(0) + 1;
      var gapOrder = reader.read(0);
      var valueOrder = reader.read(0);
      var documents = [];
      var local = -1;
      for (var i = 0; i < count; i++) {
        local += reader.read(gapOrder) + 1;
        documents.push(chunk * size + local);
      }
      for (var j = 0; j < count; j++) {
        var value = reader.read(valueOrder);
        matches.set(documents[j], { count: (value >> 1) + 1, title: (value & 1) === 1 });
      }
    });
    return matches;
  }

  /* Documents holding `term`: Map of document → {count, title}. */
  function match(term) {
    var chars = Array.from(term);
    if (chars.length === 1) {
      return record("u", manifest.data.unigrams, term).then(documentsOf);
    }
    var offsets = [];
    for (var offset = 0; offset + 2 <= chars.length; offset += 2) offsets.push(offset);
    if (chars.length % 2 === 1) offsets.push(chars.length - 2);
    return Promise.all(
      offsets.map(function (offset) {
        return record("b", manifest.data.bigrams, chars[offset] + chars[offset + 1]);
      })
    ).then(function (records) {
      var lists = records.map(positionsOf);
      return occurrences(lists, offsets, chars.length);
    });
  }

  /* Positions p of lists[0] with p + offsets[i] in lists[i] for every i, by document. */
  function occurrences(lists, offsets, length) {
    var matches = new Map();
    var pointers = lists.map(function () {
      return 0;
    });
    var starts = manifest.starts;
    var doc = 0;
    var first = lists[0];
    outer: for (var i = 0; i < first.length; i++) {
      var p = first[i];
      for (var l = 1; l < lists.length; l++) {
        var wanted = p + offsets[l];
        var list = lists[l];
        var at = pointers[l];
        while (at < list.length && list[at] < wanted) at++;
        pointers[l] = at;
        if (at === list.length) break outer;
        if (list[at] !== wanted) continue outer;
      }
      while (doc + 1 < starts.length && starts[doc + 1] <= p) doc++;
      var entry = matches.get(doc);
      if (!entry) {
        entry = { count: 0, title: false };
        matches.set(doc, entry);
      }
      entry.count++;
      if (p + length <= starts[doc] + manifest.titles[doc]) entry.title = true;
    }
    return matches;
  }

  /* Every article containing all terms, best first: {total, results, terms}. */
  function search(query) {
    return ready().then(function () {
      var wanted = terms(query);
      if (!wanted.length) return { total: 0, results: [], terms: wanted };
      return Promise.all(wanted.map(match)).then(function (maps) {
        maps.sort(function (a, b) {
          return a.size - b.size;
        });
        var results = [];
        maps[0].forEach(function (entry, document) {
          var count = 0;
          var titles = 0;
          for (var m = 0; m < maps.length; m++) {
            var found = maps[m].get(document);
            if (!found) return;
            count += found.count;
            if (found.title) titles++;
          }
          results.push({ document: document, count: count, titles: titles });
        });
        results.sort(function (a, b) {
          return b.titles - a.titles || b.count - a.count || a.document - b.document;
        });
        return { total: results.length, results: results, terms: wanted };
      });
    });
  }

  /* ---- Documents and excerpts ---- */

  /* A text in the code of its chunk: { one, table } (see TextCode in search/index.py). */
  function decodeText(coded, code) {
    if (!code.chars) code.chars = Array.from(code.table);
    var table = code.chars;
    var one = code.one;
    var out = [];
    for (var i = 0; i < coded.length; i++) {
      var unit = coded.charCodeAt(i);
      if (unit >= 0x80) {
        out.push(coded[i]); // a character without a code stands for itself
        continue;
      }
      var symbol = SYMBOL_INDEX[unit];
      if (symbol < one) {
        out.push(table[symbol]);
      } else {
        var second = SYMBOL_INDEX[coded.charCodeAt(++i)];
        out.push(table[one + (symbol - one) * SYMBOL_COUNT + second]);
      }
    }
    return out.join("");
  }

  function article(number) {
    var group = manifest.data.group;
    return Promise.all([
      load("d/" + Math.floor(number / group)),
      load("t/" + Math.floor(number / manifest.data.chunk)),
    ]).then(function (loaded) {
      var entry = loaded[0][number % group];
      if (!entry.chars) {
        entry.chars = Array.from(decodeText(entry[0], loaded[1]));
        entry.folded = entry.chars.map(fold);
      }
      return {
        number: number,
        chars: entry.chars,
        folded: entry.folded,
        titleLength: manifest.titles[number],
        url: entry[1],
        column: entry[2],
        date: entry[3],
      };
    });
  }

  /* Ranges [start, end) of `terms` in folded chars between from and to, left to right. */
  function ranges(folded, from, to, wanted) {
    var found = [];
    var longestFirst = wanted
      .map(function (term) {
        return Array.from(term);
      })
      .sort(function (a, b) {
        return b.length - a.length;
      });
    for (var i = from; i < to; i++) {
      for (var t = 0; t < longestFirst.length; t++) {
        var term = longestFirst[t];
        if (i + term.length > to) continue;
        var same = true;
        for (var j = 0; j < term.length && same; j++) same = folded[i + j] === term[j];
        if (same) {
          found.push([i, i + term.length]);
          i += term.length - 1;
          break;
        }
      }
    }
    return found;
  }

  function highlighted(element, chars, from, to, marks) {
    var at = from;
    marks.forEach(function (range) {
      if (range[0] > at) element.appendChild(document.createTextNode(chars.slice(at, range[0]).join("")));
      var mark = document.createElement("mark");
      mark.textContent = chars.slice(range[0], range[1]).join("");
      element.appendChild(mark);
      at = range[1];
    });
    if (at < to) element.appendChild(document.createTextNode(chars.slice(at, to).join("")));
  }

  var BEFORE = 30;
  var AFTER = 90;

  function resultItem(entry, wanted) {
    var item = document.createElement("li");
    item.className = "search-result";
    var heading = document.createElement("h2");
    heading.className = "search-result__title";
    var link = document.createElement("a");
    link.href = siteRoot + entry.url;
    highlighted(link, entry.chars, 0, entry.titleLength, ranges(entry.folded, 0, entry.titleLength, wanted));
    heading.appendChild(link);
    item.appendChild(heading);
    var meta = document.createElement("p");
    meta.className = "search-result__meta";
    meta.textContent = entry.column + " · " + entry.date;
    item.appendChild(meta);
    var bodyStart = entry.titleLength + 1;
    var total = entry.chars.length;
    var inBody = ranges(entry.folded, bodyStart, total, wanted);
    var first = inBody.length ? inBody[0][0] : bodyStart;
    var from = Math.max(bodyStart, first - BEFORE);
    var to = Math.min(total, first + AFTER);
    var excerpt = document.createElement("p");
    excerpt.className = "search-result__excerpt";
    if (from > bodyStart) excerpt.appendChild(document.createTextNode("…"));
    var shown = inBody.filter(function (range) {
      return range[0] >= from && range[1] <= to;
    });
    var chars = entry.chars.map(function (char) {
      return char === "\n" ? " " : char;
    });
    highlighted(excerpt, chars, from, to, shown);
    if (to < total) excerpt.appendChild(document.createTextNode("…"));
    item.appendChild(excerpt);
    return item;
  }

  /* ---- The search page ---- */

  var state = { outcome: null, shown: 0 };
  var api = {
    search: search,
    article: function (number) {
      return ready().then(function () {
        return article(number);
      });
    },
    loaded: function () {
      return loadedNames.slice();
    },
    lastDuration: null,
  };
  window.zhuanlanSearch = api;

  function quoted(query) {
    return "“" + query + "”";
  }

  function showMore(list, more) {
    var outcome = state.outcome;
    var slice = outcome.results.slice(state.shown, state.shown + PAGE);
    state.shown += slice.length;
    return Promise.all(
      slice.map(function (result) {
        return article(result.document);
      })
    ).then(function (entries) {
      entries.forEach(function (entry) {
        list.appendChild(resultItem(entry, outcome.terms));
      });
      more.hidden = state.shown >= outcome.total;
    });
  }

  function run(query, status, results, started) {
    var trimmed = query.trim();
    results.textContent = "";
    if (!trimmed) {
      status.textContent = "请输入要搜索的词语。";
      return Promise.resolve();
    }
    status.textContent = "正在搜索…";
    return search(trimmed)
      .then(function (outcome) {
        state.outcome = outcome;
        state.shown = 0;
        if (!outcome.total) {
          status.textContent = "未找到与" + quoted(trimmed) + "相关的内容。";
          return null;
        }
        var list = document.createElement("ol");
        list.className = "search-results__list";
        var more = document.createElement("button");
        more.type = "button";
        more.className = "search-results__more";
        more.textContent = "显示更多结果";
        more.addEventListener("click", function () {
          showMore(list, more);
        });
        return showMore(list, more).then(function () {
          results.appendChild(list);
          results.appendChild(more);
          status.textContent = "找到 " + outcome.total + " 篇与" + quoted(trimmed) + "相关的文章。";
        });
      })
      .catch(function () {
        status.textContent = "搜索索引未能加载，请确认 search/ 文件夹与网站一同发布。";
      })
      .then(function () {
        requestAnimationFrame(function () {
          api.lastDuration = performance.now() - started;
          results.setAttribute("data-state", "done");
        });
      });
  }

  function start() {
    var results = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var form = document.querySelector("form.site-search");
    if (!results || !status || !form) return;
    var box = form.querySelector("input[name=q]");
    var query = new URLSearchParams(location.search).get("q") || "";
    box.value = query;
    ready().catch(function () {}); // load the manifest while the reader types
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var started = performance.now();
      results.removeAttribute("data-state");
      try {
        history.replaceState(null, "", "?q=" + encodeURIComponent(box.value.trim()));
      } catch (error) {
        // Some browsers refuse history changes on file:// pages; the results still show.
      }
      run(box.value, status, results, started);
    });
    if (query.trim()) run(query, status, results, performance.now());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
