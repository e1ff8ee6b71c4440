// The web chat: talks to the assistant through the page's own server (POST /api/chat, proxied to Rasa's
// REST webhook) and sends helpful / not-helpful votes to POST /api/feedback.
// Every piece of message content goes into the page with textContent or SVG text nodes, never as HTML.
(function () {
  "use strict";

  var CHAT_URL = window.CHAT_URL || "api/chat";
  var FEEDBACK_URL = window.FEEDBACK_URL || "api/feedback";
  var NOTICES_URL = window.NOTICES_URL || "api/notices";
  var TIMEOUT_MS = 65000;
  var UNREACHABLE = "暂时连不上助手服务，请检查网络后重试。您输入的内容已保留。";
  var SUGGESTIONS = ["农村生活污水治理率现在多少", "哪些指标还没达标", "溧阳有哪些重点工程", "垃圾分类怎么做"];
  var SVG_NS = "http://www.w3.org/2000/svg";

  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var statusBar = document.getElementById("status");
  var pending = 0;

  function senderId() {
    var key = "eco-chat-sender", id = null;
    try { id = window.localStorage.getItem(key); } catch (e) { /* storage blocked: one id per page load */ }
    if (!id) {
      id = "web-" + (window.crypto && crypto.randomUUID ? crypto.randomUUID()
        : Date.now().toString(36) + Math.random().toString(36).slice(2));
      try { window.localStorage.setItem(key, id); } catch (e) { /* ignore */ }
    }
    return id;
  }
  var SENDER = senderId();

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function showStatus(text) {
    statusBar.textContent = text;
    statusBar.hidden = !text;
  }

  // ---- user messages and the typing indicator ------------------------------------------------
  function addUser(text) {
    var bubble = el("div", "msg user", text);
    log.appendChild(bubble);
    scrollDown();
    return bubble;
  }

  function showTyping() {
    var t = el("div", "typing");
    t.id = "typing";
    t.setAttribute("role", "status");
    t.setAttribute("aria-label", "助手正在输入");
    for (var i = 0; i < 3; i++) t.appendChild(el("span"));
    log.appendChild(t);
    scrollDown();
    return t;
  }

  // ---- bot answers ---------------------------------------------------------------------------
  function addButtons(parent, buttons) {
    var box = el("div", "buttons");
    buttons.forEach(function (b) {
      if (!b || (!b.title && !b.payload)) return;
      var btn = el("button", null, b.title || b.payload);
      btn.type = "button";
      btn.addEventListener("click", function () { send(String(b.payload || b.title), String(b.title || b.payload)); });
      box.appendChild(btn);
    });
    parent.appendChild(box);
  }

  function addSources(parent, custom) {
    var sources = (custom.sources || []).filter(function (s) { return s && s.title; });
    if (!sources.length) return;
    var details = el("details", "sources" + (custom.confident ? "" : " weak"));
    details.appendChild(el("summary", null, custom.confident ? "出处（" + sources.length + "）"
      : "相关段落（仅供参考，" + sources.length + "）"));
    var list = el("ol");
    sources.forEach(function (s) {
      var li = el("li");
      li.appendChild(el("span", "src-title", s.title));
      if (s.text) {
        var t = String(s.text);
        li.appendChild(el("span", "src-text", t.length > 240 ? t.slice(0, 240) + "…" : t));
      }
      list.appendChild(li);
    });
    details.appendChild(list);
    parent.appendChild(details);
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  function fmt(v) { return String(Math.round(v * 1000) / 1000); }

  // Horizontal bars: 2020 value against the 2025 and 2030 targets (the numbers that are given).
  function addChart(parent, chart) {
    var rows = [["2020年现状", chart.value_2020, "#e39b3b"], ["2025年目标", chart.target_2025, "#5aa878"],
                ["2030年目标", chart.target_2030, "#2e7d4f"]].filter(function (r) { return isNum(r[1]); });
    if (!isNum(chart.value_2020) || rows.length < 2) return;
    var unit = chart.unit || "";
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; })) || 1;
    var W = 320, labelW = 78, valueW = 70, barH = 18, gap = 10, top = 4;
    var H = top + rows.length * (barH + gap);
    var fig = el("figure", "chart");
    fig.appendChild(el("figcaption", null, (chart.name || "指标") + (unit ? "（" + unit + "）" : "")));
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", rows.map(function (r) { return r[0] + " " + fmt(r[1]) + unit; }).join("，"));
    svg.setAttribute("data-values", rows.map(function (r) { return fmt(r[1]); }).join(","));
    function text(x, y, s, anchor) {
      var t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", x); t.setAttribute("y", y);
      t.setAttribute("font-size", "12"); t.setAttribute("fill", "#1f2d24");
      if (anchor) t.setAttribute("text-anchor", anchor);
      t.textContent = s;
      svg.appendChild(t);
    }
    rows.forEach(function (r, i) {
      var y = top + i * (barH + gap);
      var width = Math.max(2, (W - labelW - valueW) * r[1] / max);
      text(0, y + 13, r[0]);
      var rect = document.createElementNS(SVG_NS, "rect");
      rect.setAttribute("x", labelW); rect.setAttribute("y", y);
      rect.setAttribute("width", width.toFixed(1)); rect.setAttribute("height", barH);
      rect.setAttribute("rx", "3"); rect.setAttribute("fill", r[2]);
      svg.appendChild(rect);
      text(labelW + width + 4, y + 13, fmt(r[1]) + (unit === "%" ? "%" : ""));
    });
    fig.appendChild(svg);
    parent.appendChild(fig);
  }

  function addFeedback(parent, question, answer) {
    var box = el("div", "feedback");
    box.appendChild(el("span", null, "这个回答有帮助吗？"));
    var yes = el("button", null, "有帮助"), no = el("button", null, "没帮助");
    var note = el("span", "note");
    [yes, no].forEach(function (btn) {
      btn.type = "button";
      btn.addEventListener("click", function () {
        var helpful = btn === yes;
        yes.disabled = no.disabled = true;
        btn.classList.add("chosen");
        note.textContent = "正在提交…";
        fetch(FEEDBACK_URL, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question: question, answer: answer, helpful: helpful, sender: SENDER })
        }).then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          note.textContent = "谢谢您的反馈！";
        }).catch(function () {
          note.textContent = "反馈未能提交，请稍后再试。";
          yes.disabled = no.disabled = false;
          btn.classList.remove("chosen");
        });
      });
      box.appendChild(btn);
    });
    box.appendChild(note);
    parent.appendChild(box);
  }

  // One turn: Rasa's REST channel sends the text (with buttons) and the custom payload as separate
  // messages; a custom payload belongs to the text before it.
  function addBotTurn(question, messages) {
    var turn = el("div", "turn");
    var texts = [];
    messages.forEach(function (m) {
      if (!m || typeof m !== "object") return;
      if (m.custom && m.custom.type === "complaint_notice") {   // news about the citizen's report, not an answer
        if (typeof m.text === "string" && m.text) turn.appendChild(el("div", "msg bot notice", m.text));
        return;
      }
      if (typeof m.text === "string" && m.text) {
        turn.appendChild(el("div", "msg bot", m.text));
        texts.push(m.text);
      }
      if (Array.isArray(m.buttons) && m.buttons.length) addButtons(turn, m.buttons);
      var c = m.custom;
      if (c && typeof c === "object" && c.type === "plan_answer") {
        if (c.chart && typeof c.chart === "object") addChart(turn, c.chart);
        addSources(turn, c);
      }
    });
    if (!texts.length) turn.appendChild(el("div", "msg bot", "（助手没有回复，请换个说法试试。）"));
    else addFeedback(turn, question, texts.join("\n\n"));
    log.appendChild(turn);
    scrollDown();
  }

  // ---- sending -------------------------------------------------------------------------------
  function post(url, body) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : null;
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        if (!r.ok || !Array.isArray(data)) {
          var err = new Error("HTTP " + r.status);
          err.userMessage = data && typeof data.error === "string" ? data.error : null;
          throw err;
        }
        return data;
      });
    }).finally(function () { if (timer) clearTimeout(timer); });
  }

  // message: what Rasa gets; shown: what the citizen sees in their bubble (a button's title).
  function send(message, shown, fromInput) {
    showStatus("");
    var bubble = addUser(shown || message);
    var typing = showTyping();
    pending++;
    return post(CHAT_URL, { sender: SENDER, message: message }).then(function (msgs) {
      addBotTurn(shown || message, msgs);
    }).catch(function (err) {
      bubble.classList.add("failed");
      bubble.appendChild(el("span", "note", "未发送"));
      var text = (err && err.userMessage) || UNREACHABLE;
      var box = el("div", "msg error", text);
      box.setAttribute("role", "alert");
      log.appendChild(box);
      showStatus(text);
      if (fromInput && !input.value) input.value = message;   // the unsent text goes back into the box
    }).finally(function () {
      pending--;
      if (typing.parentNode) typing.parentNode.removeChild(typing);
      scrollDown();
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text, true);
    input.focus();
  });

  // ---- notices about the citizen's reports, on every visit ------------------------------------
  function showNotices() {
    fetch(NOTICES_URL, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sender: SENDER })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      var notices = data && Array.isArray(data.notices) ? data.notices : [];
      if (!notices.length) return;
      var turn = el("div", "turn notices");
      notices.forEach(function (t) { turn.appendChild(el("div", "msg bot notice", t)); });
      log.appendChild(turn);
      scrollDown();
    }).catch(function () { /* no notices this time; they wait for the next visit */ });
  }

  // ---- welcome -------------------------------------------------------------------------------
  (function welcome() {
    var turn = el("div", "turn");
    turn.appendChild(el("div", "msg bot",
      "您好！我是常州生态文明规划市民助手，可以回答《常州市生态文明建设规划（2021-2030年）》里的指标、" +
      "重点工程和绿色生活问题，并给出原文出处。您可以试试："));
    addButtons(turn, SUGGESTIONS.map(function (q) { return { title: q, payload: q }; }));
    log.appendChild(turn);
    showNotices();
  })();
})();
