// The page of cmd/wsdemo. No libraries: the browser's WebSocket and fetch.
"use strict";

const params = new URLSearchParams(location.search);
const pollMs = Number(params.get("poll")) || 1000; // the article asks every second
const report = params.get("report") === "1";        // the browser test asks for a report
const tab = Math.random().toString(36).slice(2, 10); // names this page load on the server
const wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
const GREETING = "This is a message from server, connection is established";
const CLIENT_MESSAGE = "This is a message from client";
const MODES = ["poll", "longpoll", "ws"];

const $ = (sel, root = document) => root.querySelector(sel);
const results = {
  tab, connected: false, greeting: false, sent: false, serverLogged: false,
  handshake: false, food: {},
};
let attempt = 0;

function showResults() {
  showVerdict();
  $("#results").textContent = JSON.stringify(results, null, 2);
  if (report && !results.reported && results.connected && results.greeting && results.serverLogged &&
      MODES.every(m => results.food[m] && results.food[m].done)) {
    results.reported = true;
    fetch("/api/report?tab=" + tab, { method: "POST", body: JSON.stringify(results) })
      .then(() => { location.href = "/connected"; }); // leaving the page closes the WebSocket (1001)
  }
}

// showVerdict sums up the food order once all three ways are done.
function showVerdict() {
  const f = results.food;
  if (!MODES.every((m) => f[m] && f[m].done)) { $("#verdict").textContent = ""; return; }
  const total = (m) => f[m].bytesUp + f[m].bytesDown;
  const req = (n) => n + (n === 1 ? " request" : " requests");
  $("#verdict").textContent =
    `Same food, same wait. Polling: ${req(f.poll.requests)}, ${total("poll")} bytes. ` +
    `Long polling: ${req(f.longpoll.requests)}, ${total("longpoll")} bytes, but a request held open the whole time. ` +
    `WebSocket: ${req(f.ws.requests)} (the upgrade) and one pushed frame, ${total("ws")} bytes; ` +
    `and the connection could carry every later message for a few bytes of framing each.`;
}

function addLine(list, text, cls) {
  const li = document.createElement("li");
  li.textContent = text;
  if (cls) li.className = cls;
  list.append(li);
  list.scrollTop = list.scrollHeight;
  return li;
}

// --- 1. The article's client.html ------------------------------------------------

const url = wsBase + "/?tab=" + tab;
$("#ctor").textContent = `new WebSocket('${url}')`;
const ws = new WebSocket(url);
const state = $("#state");

ws.onopen = () => {
  state.textContent = state.className = "OPEN";
  results.connected = true;
  ws.send(CLIENT_MESSAGE); // as in the article: a message on open
  addLine($("#log"), CLIENT_MESSAGE, "out");
  results.sent = true;
  showResults();
};
ws.onmessage = (e) => {
  addLine($("#log"), e.data, "in");
  if (e.data === GREETING) results.greeting = true;
  showResults();
};
ws.onclose = (e) => {
  state.textContent = state.className = "CLOSED";
  addLine($("#log"), `closed: code ${e.code}${e.reason ? " " + e.reason : ""}`, "info");
};
ws.onerror = () => addLine($("#log"), "error (see the console)", "info");

$("#send").onsubmit = (e) => {
  e.preventDefault();
  const text = $("#text").value;
  if (ws.readyState !== WebSocket.OPEN || text === "") return;
  ws.send(text);
  addLine($("#log"), text, "out");
  $("#text").value = "";
};

// --- 2. What the server saw, pushed on a second WebSocket --------------------------

function openLive() {
  const live = new WebSocket(wsBase + "/live?tab=" + tab);
  live.onmessage = (e) => {
    const ev = JSON.parse(e.data);
    switch (ev.type) {
      case "handshake":
        $("#proto").textContent = ev.protocol;
        results.protocol = ev.protocol;
        $("#hs-req").textContent = ev.request;
        $("#hs-resp").textContent = ev.response;
        $("#hs-hook").textContent = ev.hook;
        results.handshake = true;
        break;
      case "frame":
        $("#frames").textContent += ev.text + "\n";
        break;
      case "log":
        addLine($("#serverlog"), ev.text);
        break;
      case "received":
        if (ev.text === CLIENT_MESSAGE) results.serverLogged = true;
        break;
      case "food":
        showFood(ev.food);
        break;
    }
    showResults();
  };
  live.onclose = () => addLine($("#serverlog"), "(live channel closed)");
}
openLive();

// --- 3. The food order, three ways ---------------------------------------------------

const since = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

function column(mode) {
  const el = $("#mode-" + mode);
  return {
    el,
    say(t0, text, who) { addLine($(".story", el), `${since(t0)} s: ${text} (${who})`, who.toLowerCase()); },
  };
}

function showFood(st) {
  if (String(st.n) !== String(attempt)) return; // an earlier attempt
  const el = $("#mode-" + st.mode);
  const kb = (n) => n.toLocaleString("en") + " B";
  $("dl", el).innerHTML = "";
  for (const [k, v] of [
    ["requests", st.requests + (st.mode === "ws" ? ` (+ ${st.messages} pushed message${st.messages === 1 ? "" : "s"})` : "")],
    ["bytes up", kb(st.bytesUp)],
    ["bytes down", kb(st.bytesDown)],
    ["total", kb(st.bytesUp + st.bytesDown)],
    ["time", (st.ms / 1000).toFixed(1) + " s" + (st.done ? ", food arrived" : "")],
  ]) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    $("dl", el).append(dt, dd);
  }
  el.classList.toggle("done", st.done);
  const f = foodResult(st.mode);
  Object.assign(f, { requests: st.requests, messages: st.messages, bytesUp: st.bytesUp, bytesDown: st.bytesDown, ms: st.ms });
  f.serverDone = st.done;
  f.done = f.arrived && f.serverDone;
}

function foodResult(mode) {
  return (results.food[mode] = results.food[mode] || { arrived: false, serverDone: false, done: false });
}

// arrived records that the client has its food; the mode is done when the
// server's figures for it are final too.
function arrived(mode) {
  const f = foodResult(mode);
  f.arrived = true;
  f.done = f.serverDone;
  showResults();
}

const foodURL = (path, n) => `${path}?tab=${tab}&n=${n}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function orderPolling(n) {
  const c = column("poll"), t0 = performance.now();
  for (;;) {
    c.say(t0, "Is the food ready?", "Client");
    const answer = await (await fetch(foodURL("/food/poll", n), { cache: "no-store" })).text();
    c.say(t0, answer, "Server");
    if (answer.startsWith("Yes")) return arrived("poll");
    await sleep(pollMs);
  }
}

async function orderLongPolling(n) {
  const c = column("longpoll"), t0 = performance.now();
  for (;;) {
    c.say(t0, "Is the food ready?", "Client");
    const answer = await (await fetch(foodURL("/food/longpoll", n), { cache: "no-store" })).text();
    c.say(t0, answer, "Server");
    if (answer.startsWith("Yes")) return arrived("longpoll");
  }
}

function orderWebSocket(n) {
  const c = column("ws"), t0 = performance.now();
  const food = new WebSocket(wsBase + foodURL("/food/ws", n));
  food.onopen = () => c.say(t0, "(connected, listening)", "Client");
  food.onmessage = (e) => {
    c.say(t0, e.data, "Server");
    if (e.data.startsWith("Yes")) arrived("ws");
  };
  food.onclose = (e) => c.say(t0, `(closed: ${e.code}${e.reason ? " " + e.reason : ""})`, "Client");
}

function orderAll() {
  attempt++;
  results.food = {};
  for (const m of MODES) {
    const el = $("#mode-" + m);
    $(".story", el).innerHTML = "";
    $("dl", el).innerHTML = "";
    el.classList.remove("done");
  }
  const n = attempt;
  orderPolling(n).catch((e) => column("poll").say(performance.now(), String(e), "Client"));
  orderLongPolling(n).catch((e) => column("longpoll").say(performance.now(), String(e), "Client"));
  orderWebSocket(n);
}

$(".poll-s").textContent = pollMs / 1000;
$("#again").onclick = orderAll;
orderAll();
