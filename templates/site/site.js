// growthplan: the site's one script. It only sorts, filters and searches the rows every page already
// holds (complete without it), counts the rows shown, and keeps the filters in the address so that a
// filtered view can be shared (payments.html?partner=ME&q=R1).
(function () {
  "use strict";

  // Loaded in <head>, before the page is drawn: the filters' box takes its place from the first paint
  // (the stylesheet shows it under html.js), so nothing moves when the rows are set up.
  document.documentElement.classList.add("js");

  function cellText(cell) {
    return cell ? cell.textContent.trim() : "";
  }

  function sortKey(cell, numeric) {
    var v = cell && cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cellText(cell);
    if (numeric) {
      var n = parseFloat(v);
      return isNaN(n) ? -Infinity : n;
    }
    return v.toLowerCase();
  }

  function setup(controls) {
    var table = document.getElementById(controls.getAttribute("data-table"));
    if (!table || !table.tBodies.length || !table.tHead) {
      return;
    }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var count = document.getElementById(table.id + "-count");
    var column = {};
    heads.forEach(function (th, i) {
      var key = th.getAttribute("data-key");
      if (key) {
        column[key] = i;
      }
    });
    var selects = Array.prototype.slice.call(controls.querySelectorAll("select[data-key]"));
    var from = controls.querySelector("[data-range=from]");
    var to = controls.querySelector("[data-range=to]");
    var search = controls.querySelector("[data-search]");
    var texts = rows.map(function (row) {
      return row.textContent.toLowerCase();
    });

    // Initial values from the address.
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (s) {
      var v = params.get(s.name);
      if (v !== null) {
        s.value = v;
        if (s.value !== v) {
          s.value = "";
        }
      }
    });
    if (from && params.get("from")) { from.value = params.get("from"); }
    if (to && params.get("to")) { to.value = params.get("to"); }
    if (search && params.get("q")) { search.value = params.get("q"); }

    function matches(row, i) {
      for (var k = 0; k < selects.length; k++) {
        var s = selects[k];
        if (!s.value || column[s.name] === undefined) {
          continue;
        }
        var cell = row.cells[column[s.name]];
        if (cell && cell.hasAttribute("data-f")) {
          if (cell.getAttribute("data-f").split(" ").indexOf(s.value) < 0) {
            return false;
          }
        } else if (cellText(cell) !== s.value) {
          return false;
        }
      }
      if (column.date !== undefined && ((from && from.value) || (to && to.value))) {
        var d = cellText(row.cells[column.date]);
        if (from && from.value && d < from.value) { return false; }
        if (to && to.value && d > to.value) { return false; }
      }
      var q = search ? search.value.trim().toLowerCase() : "";
      if (q) {
        var words = q.split(/\s+/);
        for (var w = 0; w < words.length; w++) {
          if (texts[i].indexOf(words[w]) < 0) {
            return false;
          }
        }
      }
      return true;
    }

    function apply(remember) {
      var shown = 0;
      rows.forEach(function (row, i) {
        var ok = matches(row, i);
        row.hidden = !ok;
        if (ok) {
          shown += 1;
        }
      });
      if (count) {
        count.textContent = shown + " of " + rows.length + " shown";
      }
      if (remember) {
        var next = new URLSearchParams();
        selects.forEach(function (s) { if (s.value) { next.set(s.name, s.value); } });
        if (from && from.value) { next.set("from", from.value); }
        if (to && to.value) { next.set("to", to.value); }
        if (search && search.value.trim()) { next.set("q", search.value.trim()); }
        var query = next.toString();
        try {
          window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
        } catch (e) {
          // A page opened from a file may not change its address: the filters work all the same.
        }
      }
    }

    selects.concat([from, to].filter(Boolean)).forEach(function (el) {
      el.addEventListener("change", function () { apply(true); });
    });
    if (search) {
      search.addEventListener("input", function () { apply(true); });
    }
    var reset = controls.querySelector("[data-reset]");
    if (reset) {
      reset.addEventListener("click", function () {
        selects.forEach(function (s) { s.value = ""; });
        [from, to, search].forEach(function (el) { if (el) { el.value = ""; } });
        apply(true);
      });
    }

    // Sorting: a button in each column's header; a second press reverses.
    heads.forEach(function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.classList.contains("num");
        var keyed = rows.map(function (row, k) {
          return { row: row, key: sortKey(row.cells[i], numeric), at: k, text: texts[k] };
        });
        keyed.sort(function (a, b) {
          var c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
          return (ascending ? c : -c) || a.at - b.at;
        });
        var fragment = document.createDocumentFragment();
        rows = keyed.map(function (x) { return x.row; });
        texts = keyed.map(function (x) { return x.text; });
        rows.forEach(function (row) { fragment.appendChild(row); });
        body.appendChild(fragment);
      });
    });

    apply(false);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".controls[data-table]"), setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
