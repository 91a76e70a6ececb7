/* plmkit review page: vanilla JS, no dependencies, everything inline (see docs/review.md). */
(function () {
  "use strict";
  var META = JSON.parse(document.getElementById("meta").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var COLORS = {plm: "#d55e00", short_imi: "#0072b2", isolated: "#0072b2", non_clm: "#8c8c8c",
    excluded: "#c8c8c8", added: "#009e73", rejected: "#b00020"};
  var SIDES = ["left", "right", "both"];
  var STAGE_ROW = {W: 0, R: 1, N1: 2, N2: 3, N3: 4};
  var STORE_KEY = "plmkit-review:" + META.checksum;

  // ------------------------------------------------------------------ signal streams
  var SIG = META.signal;
  var RATES = SIG.rates;
  var WIN = SIG.windows;
  var winOff = [];
  (function () { var acc = 0; for (var w = 0; w < WIN.length; w++) {
    winOff.push(acc); acc += Math.round((WIN[w][1] - WIN[w][0]) * RATES.base); } })();
  function decode(id) {
    var el = document.getElementById("sig-" + id);
    if (!el) { return null; }
    var bin = atob(el.textContent.trim());
    var n = bin.length, u8 = new Uint8Array(n);
    for (var i = 0; i < n; i++) { u8[i] = bin.charCodeAt(i); }
    el.textContent = "";
    return new Uint16Array(u8.buffer);
  }
  var STREAMS = {};
  SIG.sides.forEach(function (side) {
    STREAMS[side] = {rect: decode(side + "-rect"), env: decode(side + "-env"),
      base: decode(side + "-base")};
  });
  var TRACKS = SIG.sides.length ? SIG.sides.slice() : ["left", "right"];
  TRACKS.sort(function (a, b) { return SIDES.indexOf(a) - SIDES.indexOf(b); });

  /** Values of one stream over [v0, v1): calls fn(t, value µV) per bin (NaN: no signal). */
  function eachBin(side, name, v0, v1, fn) {
    var arr = STREAMS[side] && STREAMS[side][name];
    if (!arr) { return; }
    var rate = RATES[name], per = rate / RATES.base;
    var lo = 0, hi = WIN.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (WIN[mid][1] <= v0) { lo = mid + 1; } else { hi = mid; } }
    for (var w = lo; w < WIN.length && WIN[w][0] < v1; w++) {
      var a = WIN[w][0], b = WIN[w][1], off = winOff[w] * per;
      var k0 = Math.max(0, Math.floor((v0 - a) * rate)), k1 = Math.min(Math.round((b - a) * rate),
        Math.ceil((v1 - a) * rate));
      for (var k = k0; k < k1; k++) {
        var raw = arr[off + k];
        fn(a + (k + 0.5) / rate, raw === SIG.missing ? NaN : raw * SIG.scale_uv, k === k0);
      }
    }
  }

  // ------------------------------------------------------------------ movements and edits
  var MV = META.movements, CA = META.candidates;
  var N0 = MV.onset.length;
  var items = [], order = [], edits = [], cur = 0, addMode = false, sqrtAxis = true;

  function reset() {
    items = [];
    for (var i = 0; i < N0; i++) {
      items.push({id: i, side: MV.side[i], onset: MV.onset[i], duration: MV.duration[i],
        orig: {onset: MV.onset[i], duration: MV.duration[i]}, status: "", moved: false,
        lm: MV.lm_id ? MV.lm_id[i] : -1, peak: MV.peak_uv ? MV.peak_uv[i] : null,
        excl: MV.exclusion ? MV.exclusion[i] : ""});
    }
  }
  function sortOrder() {
    order = items.map(function (it) { return it.id; });
    order.sort(function (a, b) { return items[a].onset - items[b].onset || items[a].side - items[b].side; });
  }
  function byId(id) { return items[id]; }
  function apply(e) {
    if (e.kind === "add") {
      items[e.index] = {id: e.index, side: SIDES.indexOf(e.after.side), onset: e.after.onset,
        duration: e.after.duration, orig: null, status: "added", moved: false, lm: -1,
        peak: null, excl: ""};
      return;
    }
    var it = items[e.index];
    if (e.kind === "accept") { it.status = it.orig ? "accepted" : "added"; }
    else if (e.kind === "reject") { it.status = "rejected"; }
    else if (e.kind === "move") { it.onset = e.after.onset; it.duration = e.after.duration; it.moved = !!it.orig; }
  }
  function replay() {
    reset();
    edits.forEach(apply);
    sortOrder();
  }
  function state(it) { return {onset: round(it.onset), duration: round(it.duration), side: SIDES[it.side]}; }
  function round(x) { return Math.round(x * 1e6) / 1e6; }
  function record(kind, it, after) {
    var now = new Date().toISOString();
    var before = kind === "add" ? null : state(it);
    var last = edits[edits.length - 1];
    if (kind === "move" && last && last.kind === "move" && last.index === it.id) {
      last.after = after; last.time = now;  // consecutive nudges of one movement: one edit
      if (Math.abs(last.after.onset - last.before.onset) < 1e-9 &&
          Math.abs(last.after.duration - last.before.duration) < 1e-9) { edits.pop(); }
    } else {
      edits.push({kind: kind, index: it ? it.id : items.length, side: (after || before).side,
        before: before, after: kind === "reject" ? null : after, time: now});
    }
    var keep = it ? it.id : items.length;
    replay();
    save();
    go(order.indexOf(keep));
    drawOverview();
  }
  function current() { return order.length ? items[order[cur]] : null; }

  function accept() {
    var it = current(); if (!it) { return; }
    if (it.status !== "accepted" && it.status !== "added") { record("accept", it, state(it)); }
    next();
  }
  function reject() {
    var it = current(); if (!it) { return; }
    if (it.status !== "rejected") { record("reject", it, null); }
    next();
  }
  function move(dOn, dOff) {
    var it = current(); if (!it) { return; }
    if (it.status === "rejected") { say("rejected: accept (a) restores it before moving"); return; }
    var on = it.onset + dOn, off = it.onset + it.duration + dOff;
    if (off - on < 0.1) { say("a movement lasts at least 0.1 s"); return; }
    record("move", it, {onset: round(on), duration: round(off - on), side: SIDES[it.side]});
  }
  function add(side, on, off) {
    if (off - on < 0.1) { say("too short: drag over the movement"); return; }
    record("add", null, {onset: round(on), duration: round(off - on), side: SIDES[side]});
  }
  function undo() {
    if (!edits.length) { say("nothing to undo"); return; }
    var e = edits.pop();
    replay(); save();
    var k = order.indexOf(e.index);
    go(k >= 0 ? k : Math.min(cur, order.length - 1));
    drawOverview();
    say("undone: " + e.kind + " of movement " + (e.index + 1));
  }
  function save() {
    try { localStorage.setItem(STORE_KEY, JSON.stringify({reviewer: $("reviewer").value, edits: edits})); }
    catch (err) { /* storage unavailable (private mode): edits stay in the page */ }
  }
  function restore() {
    try {
      var s = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (s && s.edits && s.edits.length) {
        edits = s.edits; $("reviewer").value = s.reviewer || "";
        return s.edits.length;
      }
    } catch (err) { /* ignore */ }
    return 0;
  }

  // ------------------------------------------------------------------ export
  function reviewedCount() {
    var n = 0;
    items.forEach(function (it) { if (it.status || it.moved) { n++; } });
    return n;
  }
  function exportObject() {
    return {format: META.format, version: META.version, stem: META.stem,
      result_checksum: META.checksum, reviewer: $("reviewer").value.trim() || null,
      exported_at: new Date().toISOString(), settings: META.settings,
      n_movements: N0, n_items: items.length, n_reviewed: reviewedCount(), edits: edits};
  }
  function exportFile() {
    var text = JSON.stringify(exportObject(), null, 1);
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: "application/json"}));
    a.download = META.stem + "_review_edits.json";
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
    say("exported " + edits.length + " edits to " + a.download);
  }

  // ------------------------------------------------------------------ time formatting
  var START = META.start_datetime ? new Date(META.start_datetime.replace(/([+-]\d\d:\d\d|Z)$/, "")) : null;
  function pad(x) { return (x < 10 ? "0" : "") + x; }
  function clock(t, secs) {
    if (START && !isNaN(START)) {
      var d = new Date(START.getTime() + t * 1000);
      return pad(d.getHours()) + ":" + pad(d.getMinutes()) + (secs === false ? "" : ":" + pad(d.getSeconds()));
    }
    var h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = Math.floor(t) % 60;
    return h + ":" + pad(m) + (secs === false ? "" : ":" + pad(s));
  }

  // ------------------------------------------------------------------ overview
  var ov = $("overview"), ovCursor = $("ov-cursor"), OV_LEFT = 64, DUR = META.duration_s || 1;
  function ovX(t, w) { return OV_LEFT + (w - OV_LEFT - 8) * t / DUR; }
  function ovT(x, w) { return (x - OV_LEFT) / (w - OV_LEFT - 8) * DUR; }
  function sizeCanvas(c) {
    var dpr = window.devicePixelRatio || 1, w = c.clientWidth || 1000, h = c.height / (c._dpr || 1);
    c._dpr = dpr; c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    var ctx = c.getContext("2d"); ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return {ctx: ctx, w: w, h: h};
  }
  function category(it) {
    if (it.status === "rejected") { return "rejected"; }
    if (!it.orig) { return "added"; }
    if (it.excl || it.lm < 0 || !CA.category) { return "excluded"; }
    return CA.category[it.lm] || "excluded";
  }
  function drawOverview() {
    var s = sizeCanvas(ov), ctx = s.ctx, w = s.w;
    ctx.clearRect(0, 0, w, s.h);
    ctx.font = "11px system-ui, sans-serif"; ctx.textBaseline = "middle";
    var rows = {hyp: [6, 70], left: [78, 96], right: [100, 118], series: [124, 132],
      arousal: [138, 146], resp: [152, 160]};
    // unscored stretches
    var G = META.gaps;
    for (var g = 0; g < G.onset.length; g++) {
      var gx = ovX(G.onset[g], w), gw = Math.max(1, ovX(G.onset[g] + G.duration[g], w) - gx);
      ctx.fillStyle = "rgba(120,120,120,.18)"; ctx.fillRect(gx, 4, gw, 158);
    }
    ctx.fillStyle = "#444";
    [["Left", 87], ["Right", 109], ["Series", 128], ["Arousal", 142], ["Resp.", 156]]
      .forEach(function (l) { ctx.fillText(l[0], 4, l[1]); });
    // hypnogram
    var H = META.hypnogram;
    if (H) {
      var y = function (st) { return rows.hyp[0] + 4 + (STAGE_ROW[st] === undefined ? 5 : STAGE_ROW[st]) * 12; };
      ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.beginPath();
      for (var e = 0; e < H.stages.length; e++) {
        var x0 = ovX(H.start_s + e * H.epoch_s, w), x1 = ovX(H.start_s + (e + 1) * H.epoch_s, w);
        var yy = y(H.stages[e]);
        if (e === 0) { ctx.moveTo(x0, yy); } else { ctx.lineTo(x0, yy); }
        ctx.lineTo(x1, yy);
      }
      ctx.stroke();
      ctx.strokeStyle = "#d55e00"; ctx.lineWidth = 3; ctx.beginPath();
      for (e = 0; e < H.stages.length; e++) {
        if (H.stages[e] !== "R") { continue; }
        ctx.moveTo(ovX(H.start_s + e * H.epoch_s, w), y("R")); ctx.lineTo(ovX(H.start_s + (e + 1) * H.epoch_s, w), y("R"));
      }
      ctx.stroke(); ctx.lineWidth = 1; ctx.fillStyle = "#777";
      ["W", "R", "N1", "N2", "N3"].forEach(function (st) { ctx.fillText(st, OV_LEFT - 22, y(st)); });
    } else {
      ctx.fillStyle = "#999"; ctx.fillText("no hypnogram", OV_LEFT + 4, 38);
    }
    // LM raster by leg
    items.forEach(function (it) {
      ctx.fillStyle = COLORS[category(it)] || "#888";
      var x = ovX(it.onset, w), ww = Math.max(1.2, ovX(it.onset + it.duration, w) - x);
      if (it.side !== 1) { ctx.fillRect(x, rows.left[0], ww, rows.left[1] - rows.left[0]); }
      if (it.side !== 0) { ctx.fillRect(x, rows.right[0], ww, rows.right[1] - rows.right[0]); }
    });
    // series (as scored)
    if (CA.series) {
      var ser = {};
      for (var c = 0; c < CA.onset.length; c++) {
        var k = CA.series[c]; if (k === null || k === undefined) { continue; }
        var end = CA.onset[c] + CA.duration[c];
        if (!ser[k]) { ser[k] = [CA.onset[c], end]; } else { ser[k][1] = Math.max(ser[k][1], end); }
      }
      ctx.fillStyle = COLORS.plm;
      Object.keys(ser).forEach(function (k) {
        var x = ovX(ser[k][0], w); ctx.fillRect(x, rows.series[0], Math.max(2, ovX(ser[k][1], w) - x), 8);
      });
    }
    var iv = function (T, row, color) {
      ctx.fillStyle = color;
      for (var i = 0; i < T.onset.length; i++) {
        var x = ovX(T.onset[i], w); ctx.fillRect(x, row[0], Math.max(1.5, ovX(T.onset[i] + T.duration[i], w) - x), 8);
      }
    };
    iv(META.arousals, rows.arousal, "#cc79a7");
    iv(META.respiratory, rows.resp, "#56b4e9");
    // time axis (hours)
    ctx.fillStyle = "#555"; ctx.strokeStyle = "#ccc"; ctx.textBaseline = "top";
    var step = DUR > 4 * 3600 ? 3600 : DUR > 3600 ? 1800 : 600;
    for (var t = 0; t <= DUR; t += step) {
      var tx = ovX(t, w);
      ctx.beginPath(); ctx.moveTo(tx, 164); ctx.lineTo(tx, 170); ctx.stroke();
      ctx.textAlign = t + step > DUR ? "right" : t === 0 ? "left" : "center";
      ctx.fillText(clock(t, false), tx, 172);
      ctx.textAlign = "left";
    }
    placeCursor();
  }
  function placeCursor() {
    var it = current(); if (!it) { ovCursor.style.display = "none"; return; }
    ovCursor.style.display = "";
    ovCursor.style.left = ovX(it.onset, ov.clientWidth) + "px";
  }
  ov.addEventListener("click", function (ev) {
    var r = ov.getBoundingClientRect();
    var t = ovT(ev.clientX - r.left, r.width);
    go(nearest(t));
    $("emg").focus();
  });
  function nearest(t) {
    var lo = 0, hi = order.length - 1;
    if (hi < 0) { return 0; }
    while (lo < hi) { var mid = (lo + hi) >> 1; if (items[order[mid]].onset < t) { lo = mid + 1; } else { hi = mid; } }
    if (lo > 0 && Math.abs(items[order[lo - 1]].onset - t) <= Math.abs(items[order[lo]].onset - t)) { lo--; }
    return lo;
  }

  // ------------------------------------------------------------------ movement view
  var emg = $("emg"), VIEW_S = 30, AX_LEFT = 100, view = [0, VIEW_S], drag = null;
  function trackBox(k, h) {
    var top = 8, gap = 14, th = (h - top - 30 - gap * (TRACKS.length - 1)) / TRACKS.length;
    var y0 = top + k * (th + gap);
    return {y0: y0, y1: y0 + th, h: th};
  }
  function xOf(t, w) { return AX_LEFT + (w - AX_LEFT - 8) * (t - view[0]) / (view[1] - view[0]); }
  function tOf(x, w) { return view[0] + (x - AX_LEFT) / (w - AX_LEFT - 8) * (view[1] - view[0]); }
  function drawEmg() {
    var s = sizeCanvas(emg), ctx = s.ctx, w = s.w, h = s.h, it = current();
    ctx.clearRect(0, 0, w, h);
    ctx.font = "11px system-ui, sans-serif";
    var thr = META.thresholds;
    TRACKS.forEach(function (side, k) {
      var box = trackBox(k, h), code = SIDES.indexOf(side);
      var envMax = 0, baseMax = 0;
      eachBin(side, "env", view[0], view[1], function (t, v) { if (v > envMax) { envMax = v; } });
      var rectMax = 0;
      eachBin(side, "base", view[0], view[1], function (t, v) { if (v > baseMax) { baseMax = v; } });
      eachBin(side, "rect", view[0], view[1], function (t, v) { if (v > rectMax) { rectMax = v; } });
      // every peak inside the track (square-root axis keeps the thresholds legible)
      var ymax = Math.max(20, envMax * 1.6, rectMax * 1.05, (baseMax + thr.onset_uv) * 2);
      if (!sqrtAxis) { ymax = Math.max(20, envMax * 1.6, (baseMax + thr.onset_uv) * 2); }
      var Y = function (v) {
        var f = sqrtAxis ? Math.sqrt(Math.max(v, 0) / ymax) : Math.max(v, 0) / ymax;
        return box.y1 - Math.min(f, 1) * box.h;
      };
      ctx.fillStyle = "#fcfcfc"; ctx.fillRect(AX_LEFT, box.y0, w - AX_LEFT - 8, box.h);
      // movements of this leg (and merged ones)
      order.forEach(function (id) {
        var m = items[id];
        if (m.onset > view[1] || m.onset + m.duration < view[0]) { return; }
        if (!(m.side === code || m.side === 2 || code === 2)) { return; }
        var x0 = xOf(m.onset, w), x1 = xOf(m.onset + m.duration, w), cat = category(m);
        ctx.globalAlpha = m === it ? 0.28 : 0.14;
        ctx.fillStyle = COLORS[cat] || "#888";
        ctx.fillRect(x0, box.y0, Math.max(1, x1 - x0), box.h);
        ctx.globalAlpha = 1;
        if (cat === "rejected") {
          ctx.strokeStyle = COLORS.rejected; ctx.beginPath();
          ctx.moveTo(x0, box.y0); ctx.lineTo(x1, box.y1); ctx.moveTo(x0, box.y1); ctx.lineTo(x1, box.y0); ctx.stroke();
        }
      });
      // grid: thresholds are relative to the baseline; fixed µV ticks on the axis
      ctx.fillStyle = "#777"; ctx.strokeStyle = "#eee"; ctx.textBaseline = "middle";
      ctx.textAlign = "right";
      var lastY = Infinity;
      [5, 10, 20, 50, 100, 200, 500, 1000, 2000].forEach(function (v) {
        var yy = Y(v);
        if (v > ymax || lastY - yy < 12) { return; }  // no overlapping tick labels
        ctx.beginPath(); ctx.moveTo(AX_LEFT, yy); ctx.lineTo(w - 8, yy); ctx.stroke();
        ctx.fillText(v + " µV", AX_LEFT - 4, yy); lastY = yy;
      });
      ctx.textAlign = "left"; ctx.fillStyle = "#222"; ctx.font = "bold 12px system-ui, sans-serif";
      ctx.fillText(side === "both" ? "Legs" : side[0].toUpperCase() + side.slice(1), 6, box.y0 + box.h / 2);
      ctx.font = "11px system-ui, sans-serif";
      // rectified EMG: per-bin maxima
      // as one filled area per stretch with signal (no moiré from one line per bin)
      ctx.fillStyle = "#bdbdbd"; ctx.beginPath();
      var any = false, open = false, lastX = 0, dx = (w - AX_LEFT - 8) / (view[1] - view[0]) / RATES.rect / 2;
      eachBin(side, "rect", view[0], view[1], function (t, v, first) {
        var x = xOf(t, w);
        if (isNaN(v) || first) {
          if (open) { ctx.lineTo(lastX + dx, box.y1); ctx.closePath(); open = false; }
          if (isNaN(v)) { return; }
        }
        if (!open) { ctx.moveTo(x - dx, box.y1); open = true; }
        ctx.lineTo(x - dx, Y(v)); ctx.lineTo(x + dx, Y(v)); lastX = x; any = true;
      });
      if (open) { ctx.lineTo(lastX + dx, box.y1); ctx.closePath(); }
      ctx.fill();
      if (!any) { ctx.fillStyle = "#999"; ctx.fillText("no EMG stored here", AX_LEFT + 10, box.y0 + box.h / 2); }
      var line = function (name, add, color, dash, width) {
        ctx.strokeStyle = color; ctx.setLineDash(dash); ctx.lineWidth = width; ctx.beginPath();
        var pen = false;
        eachBin(side, name, view[0], view[1], function (t, v, first) {
          if (isNaN(v)) { pen = false; return; }
          var x = xOf(t, w), y = Y(v + add);
          if (!pen || first) { ctx.moveTo(x, y); pen = true; } else { ctx.lineTo(x, y); }
        });
        ctx.stroke(); ctx.setLineDash([]); ctx.lineWidth = 1;
      };
      line("env", 0, "#0072b2", [], 1.4);
      line("base", 0, "#000", [], 1.2);
      line("base", thr.offset_uv, "#009e73", [5, 3], 1.2);
      line("base", thr.onset_uv, "#d55e00", [5, 3], 1.2);
      // the current movement's onset and offset
      if (it && (it.side === code || it.side === 2 || code === 2)) {
        [it.onset, it.onset + it.duration].forEach(function (t) {
          var x = xOf(t, w);
          ctx.strokeStyle = it.status === "rejected" ? COLORS.rejected : "#111"; ctx.lineWidth = 2;
          ctx.beginPath(); ctx.moveTo(x, box.y0); ctx.lineTo(x, box.y1); ctx.stroke();
          ctx.fillStyle = ctx.strokeStyle; ctx.fillRect(x - 4, box.y0, 8, 8);
        });
        ctx.lineWidth = 1;
      }
      if (drag && drag.track === k && drag.kind === "add") {
        var a = xOf(Math.min(drag.t0, drag.t1), w), b = xOf(Math.max(drag.t0, drag.t1), w);
        ctx.globalAlpha = 0.3; ctx.fillStyle = COLORS.added; ctx.fillRect(a, box.y0, b - a, box.h);
        ctx.globalAlpha = 1;
      }
    });
    // time axis
    var bottom = h - 24;
    ctx.fillStyle = "#555"; ctx.strokeStyle = "#bbb"; ctx.textBaseline = "top";
    for (var t = Math.ceil(view[0] / 5) * 5; t <= view[1]; t += 5) {
      var x = xOf(t, w); ctx.beginPath(); ctx.moveTo(x, bottom); ctx.lineTo(x, bottom + 5); ctx.stroke();
      ctx.textAlign = "center"; ctx.fillText(clock(t), x, bottom + 7); ctx.textAlign = "left";
    }
  }
  function tags(it) {
    var out = [], cat = category(it);
    if (it.orig && it.lm >= 0 && CA.category && !it.excl) {
      var c = CA.category[it.lm];
      if (c === "plm") { out.push(["plm", "PLM" + (CA.series && CA.series[it.lm] ? " series " + CA.series[it.lm] : "")]); }
      else if (c === "short_imi") { out.push(["clm", "CLM, short IMI"]); }
      else if (c === "isolated") { out.push(["clm", "CLM, isolated"]); }
      else { out.push(["non", "non-CLM"]); }
      if (CA.respiratory && CA.respiratory[it.lm] && CA.candidate && CA.candidate[it.lm]) { out.push(["clm", "respiratory (CLMr)"]); }
      if (CA.arousal && CA.arousal[it.lm]) { out.push(["clm", "with arousal"]); }
      if (CA.side && CA.side[it.lm] === "bilateral") { out.push(["non", "bilateral"]); }
    } else if (it.orig) {
      out.push(["non", "excluded" + (it.excl ? " (" + it.excl.replace("_", " ") + ")" : "")]);
    }
    if (it.status) { out.push([it.status, it.status]); }
    if (it.moved) { out.push(["moved", "moved"]); }
    return out.map(function (t) { return '<span class="tag ' + t[0] + '">' + t[1] + "</span>"; }).join("") +
      (cat === "added" ? "" : "");
  }
  function stageAt(t) {
    var H = META.hypnogram; if (!H) { return ""; }
    var e = Math.floor((t - H.start_s) / H.epoch_s);
    return e >= 0 && e < H.stages.length ? H.stages[e] : "";
  }
  function drawInfo() {
    var it = current(), info = $("info");
    if (!it) { info.textContent = "no movements"; return; }
    var parts = ["<b>Movement " + (cur + 1) + " of " + order.length + "</b>", clock(it.onset),
      SIDES[it.side] === "both" ? "merged legs" : SIDES[it.side] + " leg",
      it.duration.toFixed(2) + " s", "stage " + (stageAt(it.onset) || "none")];
    if (it.peak !== null && it.peak !== undefined && !it.moved) { parts.push("peak " + it.peak.toFixed(0) + " µV"); }
    info.innerHTML = parts.join(" · ") + tags(it);
    var n = reviewedCount(), pct = items.length ? 100 * n / items.length : 0;
    $("progress").innerHTML = "reviewed <b>" + n + "</b> of " + items.length + " · " + edits.length +
      " edits<span class=\"bar\"><span style=\"width:" + pct.toFixed(1) + "%\"></span></span>";
  }
  function go(k) {
    if (!order.length) { drawInfo(); drawEmg(); return; }
    cur = Math.max(0, Math.min(order.length - 1, k));
    var it = current(), mid = it.onset + Math.min(it.duration, VIEW_S - 4) / 2;
    view = [mid - VIEW_S / 2, mid + VIEW_S / 2];
    drawInfo(); drawEmg(); placeCursor();
  }
  function next() { go(cur + 1); }
  function prev() { go(cur - 1); }
  function nextUnreviewed() {
    for (var j = 1; j <= order.length; j++) {
      var k = (cur + j) % order.length, it = items[order[k]];
      if (!it.status && !it.moved) { go(k); return; }
    }
    say("every movement is reviewed");
  }
  function say(text) { $("status").textContent = text; }

  // ------------------------------------------------------------------ mouse
  function hit(ev) {
    var r = emg.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    var h = r.height, w = r.width;
    for (var k = 0; k < TRACKS.length; k++) {
      var b = trackBox(k, h);
      if (y >= b.y0 && y <= b.y1) { return {track: k, side: SIDES.indexOf(TRACKS[k]), t: tOf(x, w), x: x, w: w}; }
    }
    return {track: -1, side: -1, t: tOf(x, w), x: x, w: w};
  }
  emg.addEventListener("mousedown", function (ev) {
    var p = hit(ev); if (p.track < 0) { return; }
    ev.preventDefault(); emg.focus();
    if (addMode) { drag = {kind: "add", track: p.track, side: p.side, t0: p.t, t1: p.t}; return; }
    var it = current();
    if (it && (it.side === p.side || it.side === 2 || p.side === 2)) {
      var xOn = xOf(it.onset, p.w), xOff = xOf(it.onset + it.duration, p.w);
      if (Math.abs(p.x - xOn) <= 6 || Math.abs(p.x - xOff) <= 6) {
        var edge = Math.abs(p.x - xOn) <= Math.abs(p.x - xOff) ? "onset" : "offset";
        drag = {kind: edge, track: p.track, start: it.onset, end: it.onset + it.duration};
        return;
      }
    }
    for (var j = 0; j < order.length; j++) {  // select the movement under the pointer
      var m = items[order[j]];
      if ((m.side === p.side || m.side === 2 || p.side === 2) && p.t >= m.onset && p.t <= m.onset + m.duration) {
        go(j); return;
      }
    }
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var p = hit(ev), it = current();
    if (drag.kind === "add") { drag.t1 = p.t; drawEmg(); return; }
    if (drag.kind === "onset") { it.onset = Math.min(p.t, drag.end - 0.1); it.duration = drag.end - it.onset; }
    else { it.duration = Math.max(p.t, drag.start + 0.1) - drag.start; }
    drawEmg();
  });
  window.addEventListener("mouseup", function () {
    if (!drag) { return; }
    var d = drag; drag = null;
    if (d.kind === "add") {
      setAddMode(false);
      add(d.side, Math.min(d.t0, d.t1), Math.max(d.t0, d.t1));
      return;
    }
    var it = current(), on = it.onset, off = it.onset + it.duration;
    it.onset = d.start; it.duration = d.end - d.start;  // record() replays from the log
    if (Math.abs(on - d.start) < 1e-6 && Math.abs(off - d.end) < 1e-6) { drawEmg(); return; }
    move(on - d.start, off - d.end);
  });
  function setAddMode(on) {
    addMode = on; emg.classList.toggle("adding", on);
    say(on ? "add: drag over the missed movement on its leg (Esc cancels)" : "");
  }

  // ------------------------------------------------------------------ keys
  document.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA") { return; }
    var k = ev.key, done = true;
    if ((ev.ctrlKey || ev.metaKey) && (k === "z" || k === "Z")) { undo(); }
    else if (ev.ctrlKey || ev.metaKey || ev.altKey) { done = false; }
    else if (k === "ArrowRight" || k === "j" || k === " ") { next(); }
    else if (k === "ArrowLeft" || k === "k") { prev(); }
    else if (k === "Home") { go(0); }
    else if (k === "End") { go(order.length - 1); }
    else if (k === "g") { nextUnreviewed(); }
    else if (k === "a" || k === "Enter") { accept(); }
    else if (k === "r" || k === "x" || k === "Delete" || k === "Backspace") { reject(); }
    else if (k === "[") { move(-0.1, 0); }
    else if (k === "]") { move(0.1, 0); }
    else if (k === "{") { move(-0.5, 0); }
    else if (k === "}") { move(0.5, 0); }
    else if (k === ",") { move(0, -0.1); }
    else if (k === ".") { move(0, 0.1); }
    else if (k === "<") { move(0, -0.5); }
    else if (k === ">") { move(0, 0.5); }
    else if (k === "n") { setAddMode(true); }
    else if (k === "Escape") { setAddMode(false); drag = null; $("help").hidden = true; drawEmg(); }
    else if (k === "u") { undo(); }
    else if (k === "y") { sqrtAxis = !sqrtAxis; drawEmg(); say("amplitude axis: " + (sqrtAxis ? "square root" : "linear")); }
    else if (k === "e") { exportFile(); }
    else if (k === "?") { $("help").hidden = !$("help").hidden; }
    else { done = false; }
    if (done) { ev.preventDefault(); }
  });
  $("export").addEventListener("click", exportFile);
  $("help-btn").addEventListener("click", function () { $("help").hidden = !$("help").hidden; });
  $("reviewer").addEventListener("change", save);
  window.addEventListener("resize", function () { drawOverview(); drawEmg(); });

  // ------------------------------------------------------------------ start
  var restored = restore();
  replay();
  $("note").textContent = [META.note, restored ? "restored " + restored + " edits made earlier in this browser (u undoes them one by one)" : ""]
    .filter(Boolean).join(" · ");
  drawOverview();
  go(0);
  emg.focus();
  window.plmReview = {
    firstPaintMs: performance.now(),
    exportJSON: function () { return JSON.stringify(exportObject()); },
    state: function () {
      var it = current();
      return {cur: cur, n: order.length, reviewed: reviewedCount(), edits: edits.length,
        current: it ? {index: it.id, onset: it.onset, duration: it.duration, side: SIDES[it.side], status: it.status} : null};
    },
    go: go,
    next: next,
    find: function (index) { return order.indexOf(index); },
    view: function () { return view.slice(); }
  };
})();
