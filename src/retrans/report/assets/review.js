(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("retrans-data").textContent);
  var text = data.text, changes = data.changes, notes = data.notes;
  var state = {}, current = 0;
  changes.forEach(function (c) { state[c.id] = c.applied ? 0 : c.options.length - 1; });
  function el(tag, cls, txt) { var e = document.createElement(tag); if (cls) e.className = cls;
    if (txt !== undefined) e.textContent = txt; return e; }
  function lines() { var out = [], s = 0; for (;;) { var i = text.indexOf("\n", s);
      if (i < 0) { out.push([s, text.length]); break; } out.push([s, i]); s = i + 1; } return out; }
  function visible(s) { return s.replace(/\n/g, "\u23ce"); }
  function render() {
    var body = document.getElementById("rows"); body.textContent = "";
    lines().forEach(function (ln, n) {
      var ls = ln[0], le = ln[1], tr = el("tr"), left = el("td", "orig"), right = el("td", "fixed");
      var inLine = changes.filter(function (c) { return c.start <= le && c.end > ls || (c.start >= ls && c.start <= le); });
      var lineNotes = notes.filter(function (f) { return f.start >= ls && f.start < le; });
      var pos = ls;
      var marks = inLine.map(function (c) { return {s: Math.max(c.start, ls), e: Math.min(c.end, le + 1), c: c}; })
        .sort(function (a, b) { return a.s - b.s; });
      marks.forEach(function (m) {
        if (m.s < pos) return;
        appendText(left, text.slice(pos, m.s), pos, lineNotes); appendText(right, text.slice(pos, m.s), pos, []);
        var on = state[m.c.id] !== m.c.options.length - 1;
        var a = el("span", "chg " + (on ? "on" : "off"), visible(text.slice(m.s, m.e)) || "\u2038");
        a.dataset.id = m.c.id; a.title = m.c.rule + " " + m.c.message; left.appendChild(a);
        if (m.c.start >= ls) {
          var b = el("span", "chg " + (on ? "on" : "off"), m.c.options[state[m.c.id]].replace(/\n/g, ""));
          b.dataset.id = m.c.id; b.title = a.title; right.appendChild(b);
        }
        pos = m.e;
      });
      appendText(left, text.slice(pos, le), pos, lineNotes); appendText(right, text.slice(pos, le), pos, []);
      tr.className = inLine.length ? "changed" : "";
      tr.appendChild(el("td", "num", String(n + 1))); tr.appendChild(left); tr.appendChild(right);
      body.appendChild(tr);
    });
    document.querySelectorAll(".chg").forEach(function (e) {
      e.addEventListener("click", function () { select(changes.findIndex(function (c) { return String(c.id) === e.dataset.id; })); });
      if (changes[current] && e.dataset.id === String(changes[current].id)) e.classList.add("current");
    });
    panel();
  }
  function appendText(td, s, offset, lineNotes) {
    if (!s) return;
    var pos = 0;
    lineNotes.forEach(function (f) {
      var a = f.start - offset, b = Math.min(f.end - offset, s.length);
      if (a < pos || a >= s.length) return;
      td.appendChild(document.createTextNode(s.slice(pos, a)));
      var n = el("span", "note", s.slice(a, b)); n.title = f.rule + " " + f.message; td.appendChild(n); pos = b;
    });
    td.appendChild(document.createTextNode(s.slice(pos)));
  }
  function panel() {
    var p = document.getElementById("panel"), c = changes[current]; p.textContent = "";
    if (!c) { p.appendChild(el("div", "", "No changes.")); return; }
    p.appendChild(el("div", "rule", (current + 1) + "/" + changes.length + "  " + c.rule + "  " + c.name));
    p.appendChild(el("div", "", c.message));
    p.appendChild(el("div", "", "confidence " + c.confidence + ", " + (c.applied ? "applied by fix" : "suggested only")));
    var opts = el("div", "opts");
    c.options.forEach(function (o, i) {
      var last = i === c.options.length - 1;
      var b = el("button", state[c.id] === i ? "picked" : "", last ? "keep original" : (o === "" ? "(delete)" : o));
      b.addEventListener("click", function () { state[c.id] = i; render(); }); opts.appendChild(b);
    });
    p.appendChild(opts);
  }
  function select(i) { if (i < 0 || i >= changes.length) return; current = i; render();
    var e = document.querySelector(".chg.current"); if (e) e.scrollIntoView({block: "center"}); }
  function result() {
    var out = text, sorted = changes.slice().sort(function (a, b) { return b.start - a.start; });
    sorted.forEach(function (c) { out = out.slice(0, c.start) + c.options[state[c.id]] + out.slice(c.end); });
    return out;
  }
  function download() {
    var blob = new Blob([result()], {type: "text/plain;charset=utf-8"});
    var a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = data.name;
    document.body.appendChild(a); a.click(); a.remove();
  }
  window.retransResult = result;
  document.getElementById("download").addEventListener("click", download);
  document.getElementById("next").addEventListener("click", function () { select(current + 1); });
  document.getElementById("prev").addEventListener("click", function () { select(current - 1); });
  document.addEventListener("keydown", function (ev) {
    var c = changes[current];
    if (ev.key === "j" || ev.key === "n") select(current + 1);
    else if (ev.key === "k" || ev.key === "p") select(current - 1);
    else if (c && ev.key === "a") { state[c.id] = 0; render(); }
    else if (c && ev.key === "r") { state[c.id] = c.options.length - 1; render(); }
    else if (c && /^[1-9]$/.test(ev.key) && +ev.key <= c.options.length) { state[c.id] = +ev.key - 1; render(); }
    else if (ev.key === "d") download();
  });
  render();
})();
