// The officebot sandbox page: a messenger front on the Bot API emulator.
// No build step and no libraries: the page must work offline from the package's own files.
// Everything the bot wrote is rendered from Telegram entities with DOM nodes (textContent),
// never from HTML strings, so nothing the bot or a person typed can inject markup.
"use strict";

const $ = (id) => document.getElementById(id);

// --- languages ---------------------------------------------------------------------------
// The page speaks Chinese or English (the switch at the top left, remembered in this
// browser); what the bot writes is the bot's, in each person's own language. Text from the
// server comes in both languages, {zh, en}; tr() picks the page's.

const LANG_KEY = "officebot-demo-lang";
const TEXTS = {
  zh: {
    "page.title": "officebot 沙盒 · 党政办助手",
    "people.label": "人员",
    "people.title": "officebot 沙盒",
    "people.sub": "党政办助手 · 选一个人，用他的身份和机器人对话",
    "lang.label": "语言",
    "chat.label": "聊天",
    "typing": "机器人正在处理…",
    "commands.title": "命令列表",
    "attach.title": "上传文件",
    "location.title": "发送位置",
    "text.placeholder": "输入消息或 /命令",
    "text.label": "消息",
    "keyboard.title": "菜单",
    "send": "发送",
    "clock.label": "模拟时钟",
    "clock.title": "模拟时间",
    "clock.hour": "+1 小时",
    "clock.day": "+1 天",
    "clock.shift": "到下一班次",
    "clock.reminder": "到下一条提醒",
    "clock.next_reminder": "下一条提醒",
    "clock.next_shift": "下一班次签到",
    "clock.hint": "机器人用的是可拨动的时钟。拨快时间，途中到点的提醒、催办和升级会按时逐条发出。",
    "clock.no_reminder": "没有待发的提醒",
    "clock.no_shift": "没有以后的班次",
    "tips.title": "试试看",
    "tip.help": "能做什么",
    "tip.duty": "本周值班",
    "tip.meetings": "我的会议",
    "tip.tasks": "我的交办事项",
    "tip.seal": "申请用印",
    "tip.whoami": "我是谁",
    "tips.hint": "换人看看：领导收到审批卡片，文秘收到请假回执，陌生人会被礼貌地拒绝。",
    "offline": "连不上沙盒（它还在运行吗？）",
    "http": "请求失败（HTTP {status}）",
    "ok": "确定",
    "close": "点击关闭",
    "spoiler": "点击显示",
    "photo": "图片",
    "download": "下载",
    "location": "📍 位置 {lat}, {lon}",
    "forwarded": "（转发）",
    "edited": "已编辑",
    "empty": "还没有消息。发一条 /start 或 /help 试试。",
    "unread": "{n} 条未读",
    "no_person": "没有这个人：{id}",
    "you_are": "你现在是 {name}",
    "you_are_title": "你现在是 {name}（{title}）",
    "too_big": "文件太大（{size}）：Telegram 机器人最多能接收 {max} 的文件。",
    "send_location": "发送我的位置：",
  },
  en: {
    "page.title": "officebot sandbox · office assistant",
    "people.label": "People",
    "people.title": "officebot sandbox",
    "people.sub": "Office assistant · pick a person and talk to the bot as them",
    "lang.label": "Language",
    "chat.label": "Chat",
    "typing": "The bot is working…",
    "commands.title": "Commands",
    "attach.title": "Upload a file",
    "location.title": "Share a location",
    "text.placeholder": "Type a message or /command",
    "text.label": "Message",
    "keyboard.title": "Menu",
    "send": "Send",
    "clock.label": "Simulated clock",
    "clock.title": "Simulated time",
    "clock.hour": "+1 hour",
    "clock.day": "+1 day",
    "clock.shift": "To the next shift",
    "clock.reminder": "To the next reminder",
    "clock.next_reminder": "Next reminder",
    "clock.next_shift": "Next shift sign-in",
    "clock.hint": "The bot runs on a clock you can move. Move it forward and the reminders, "
      + "chases and escalations due on the way are sent one by one, each at its time.",
    "clock.no_reminder": "No reminder pending",
    "clock.no_shift": "No shift ahead",
    "tips.title": "Try",
    "tip.help": "what it can do",
    "tip.duty": "this week's duty",
    "tip.meetings": "my meetings",
    "tip.tasks": "my tasks",
    "tip.seal": "request a seal",
    "tip.whoami": "who am I",
    "tips.hint": "Switch people: leaders get approval cards, clerks get leave receipts, "
      + "a stranger is politely turned away.",
    "offline": "Cannot reach the sandbox (is it still running?)",
    "http": "Request failed (HTTP {status})",
    "ok": "OK",
    "close": "Click to close",
    "spoiler": "Click to show",
    "photo": "Photo",
    "download": "download",
    "location": "📍 Location {lat}, {lon}",
    "forwarded": " (forwarded)",
    "edited": "edited",
    "empty": "No messages yet. Try /start or /help.",
    "unread": "{n} unread",
    "no_person": "No such person: {id}",
    "you_are": "You are {name}",
    "you_are_title": "You are {name} ({title})",
    "too_big": "The file is too large ({size}): a Telegram bot can receive files of up to {max}.",
    "send_location": "Send my location:",
  },
};

function storedLanguage() {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
  } catch (err) {
    return "zh";
  }
}

let lang = storedLanguage();

// A label of the page, with {name} filled in.
function t(key, params = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

// Text from the server: {zh, en}, or a plain string.
function tr(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return value[lang] || value.zh || "";
}

const state = {
  personas: new Map(), // id -> persona (with unread)
  current: null, // persona id
  chats: new Map(), // id -> {messages: Map(id -> message), keyboard, commands}
  loading: new Map(), // id -> events that arrived while the chat was being fetched
  maxUpload: 20 * 1024 * 1024,
  places: [],
  busy: 0,
  keyboardOpen: true,
  suggestion: -1,
  clock: null, // the last clock the server sent
  streamLost: false, // the event stream broke since it was last open
  reconnects: 0,
};

// --- talking to the server ---------------------------------------------------------------

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: options.headers || {} };
  if (options.json !== undefined) {
    init.method = options.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    init.method = "POST";
    init.body = options.body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new Error(t("offline"));
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (err) {
    payload = null;
  }
  if (!response.ok) {
    throw new Error((payload && tr(payload.error)) || t("http", { status: response.status }));
  }
  return payload;
}

// An action a person takes: shows the bot is busy, and any refusal as a toast. An action
// that was done but with a hitch (the notices for others delayed) says so as a warning.
async function act(path, options) {
  setBusy(1);
  try {
    const result = await api(path, options);
    if (result && result.warning) toast(tr(result.warning), "warning");
    return result;
  } catch (err) {
    toast(err.message, "error");
    return null;
  } finally {
    setBusy(-1);
  }
}

function setBusy(delta) {
  state.busy = Math.max(0, state.busy + delta);
  $("typing").hidden = state.busy === 0;
}

function toast(text, kind = "info") {
  if (!text) return;
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.setAttribute("role", kind === "error" || kind === "alert" ? "alert" : "status");
  el.textContent = text;
  const close = () => el.remove();
  if (kind === "alert") {
    // Like Telegram's show_alert: stays until dismissed.
    const ok = document.createElement("button");
    ok.type = "button";
    ok.textContent = t("ok");
    ok.addEventListener("click", close);
    el.appendChild(ok);
  } else {
    el.title = t("close");
    el.addEventListener("click", close);
    setTimeout(close, kind === "error" ? 6000 : 4000);
  }
  $("toasts").appendChild(el);
}

// --- formatting: Telegram entities to DOM ------------------------------------------------

// Links the page opens: the web and Telegram's own; nothing that starts another program.
const SAFE_URL = /^(https?:|tg:)/i;
const COMMAND_IN_TEXT = /(^|[\s(（：:，,、])(\/[A-Za-z0-9_]{1,32})(?![\w/])/g;

function elementFor(entity) {
  let el;
  switch (entity.type) {
    case "bold": el = document.createElement("b"); break;
    case "italic": el = document.createElement("i"); break;
    case "underline": el = document.createElement("u"); break;
    case "strikethrough": el = document.createElement("s"); break;
    case "code": el = document.createElement("code"); break;
    case "pre":
      el = document.createElement("pre");
      if (entity.language) el.dataset.language = entity.language;
      break;
    case "blockquote":
    case "expandable_blockquote":
      el = document.createElement("blockquote");
      break;
    case "spoiler":
      el = document.createElement("span");
      el.className = "spoiler";
      el.title = t("spoiler");
      el.addEventListener("click", () => el.classList.add("revealed"));
      break;
    case "text_link":
    case "url":
      el = document.createElement("a");
      el.rel = "noopener noreferrer";
      el.target = "_blank";
      break;
    case "bot_command":
      el = document.createElement("span");
      el.className = "command";
      break;
    default:
      el = document.createElement("span");
  }
  return el;
}

function appendPlain(parent, text, linkCommands) {
  if (!linkCommands) {
    parent.appendChild(document.createTextNode(text));
    return;
  }
  // Telegram marks /commands in a bot's text as tappable; do the same for known commands.
  let last = 0;
  for (const match of text.matchAll(COMMAND_IN_TEXT)) {
    const command = match[2];
    const start = match.index + match[1].length;
    if (!knownCommand(command)) continue;
    parent.appendChild(document.createTextNode(text.slice(last, start)));
    const link = document.createElement("span");
    link.className = "command";
    link.textContent = command;
    parent.appendChild(link);
    last = start + command.length;
  }
  parent.appendChild(document.createTextNode(text.slice(last)));
}

function knownCommand(command) {
  const chat = state.chats.get(state.current);
  if (!chat) return false;
  const name = command.slice(1).split("@")[0];
  return chat.commands.some((c) => c.command === name);
}

// Entities are properly nested (the bot's HTML had matching tags); offsets count UTF-16
// units, which is exactly how JavaScript indexes strings.
function renderEntities(text, entities, linkCommands) {
  const root = document.createDocumentFragment();
  const list = (entities || [])
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);

  function build(parent, start, end, items, inCode) {
    let pos = start;
    let i = 0;
    while (i < items.length) {
      const e = items[i];
      const eEnd = Math.min(e.offset + e.length, end);
      const children = [];
      let j = i + 1;
      while (j < items.length && items[j].offset < e.offset + e.length) {
        children.push(items[j]);
        j += 1;
      }
      const eStart = Math.max(e.offset, pos);
      if (eStart > pos) appendPlain(parent, text.slice(pos, eStart), linkCommands && !inCode);
      if (eEnd > eStart) {
        const el = elementFor(e);
        if (el.tagName === "A") {
          const href = e.type === "url" ? text.slice(eStart, eEnd) : e.url || "";
          if (SAFE_URL.test(href)) el.href = href;
        }
        parent.appendChild(el);
        const code = inCode || e.type === "code" || e.type === "pre";
        build(el, eStart, eEnd, children, code);
        pos = eEnd;
      }
      i = j;
    }
    if (pos < end) appendPlain(parent, text.slice(pos, end), linkCommands && !inCode);
  }

  build(root, 0, text.length, list, false);
  return root;
}

// --- messages ----------------------------------------------------------------------------

function formatSize(bytes) {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

function fileIcon(name) {
  if (/\.(xlsx?|csv)$/i.test(name)) return "📊";
  if (/\.(docx?|pdf|txt)$/i.test(name)) return "📄";
  if (/\.ics$/i.test(name)) return "📅";
  return "📎";
}

function renderMessage(msg) {
  const row = document.createElement("div");
  row.className = `msg-row ${msg.from_bot ? "from-bot" : "from-me"}`;
  row.dataset.id = String(msg.id);

  const bubble = document.createElement("div");
  bubble.className = "bubble";
  row.appendChild(bubble);

  if (msg.photo) {
    const img = document.createElement("img");
    img.className = "photo";
    img.alt = t("photo");
    img.src = `/api/files/${encodeURIComponent(msg.photo.file_id)}`;
    bubble.appendChild(img);
  }
  if (msg.document) {
    const doc = document.createElement("a");
    doc.className = "document";
    doc.href = `/api/files/${encodeURIComponent(msg.document.file_id)}`;
    doc.download = msg.document.name;
    const icon = document.createElement("span");
    icon.className = "doc-icon";
    icon.textContent = fileIcon(msg.document.name);
    const info = document.createElement("span");
    info.className = "doc-info";
    const name = document.createElement("span");
    name.className = "doc-name";
    name.textContent = msg.document.name;
    const size = document.createElement("span");
    size.className = "doc-size";
    size.textContent = `${formatSize(msg.document.size)} · ${t("download")}`;
    info.append(name, size);
    doc.append(icon, info);
    bubble.appendChild(doc);
  }
  if (msg.location) {
    const loc = document.createElement("div");
    loc.className = "location";
    const lat = Number(msg.location.latitude).toFixed(5);
    const lon = Number(msg.location.longitude).toFixed(5);
    loc.textContent = t("location", { lat, lon }) + (msg.location.forwarded ? t("forwarded") : "");
    bubble.appendChild(loc);
  }
  const body = msg.text !== undefined ? msg.text : msg.caption;
  const entities = msg.text !== undefined ? msg.entities : msg.caption_entities;
  if (body) {
    const text = document.createElement("div");
    text.className = "text";
    text.appendChild(renderEntities(body, entities, msg.from_bot));
    bubble.appendChild(text);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = `${msg.edited ? `${t("edited")} ` : ""}${tr(msg.day)} ${msg.time}`;
  bubble.appendChild(meta);

  if (msg.buttons && msg.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "inline-keyboard";
    msg.buttons.forEach((buttons, r) => {
      const line = document.createElement("div");
      line.className = "inline-row";
      buttons.forEach((b, c) => {
        let el;
        if (b.kind === "url" && SAFE_URL.test(b.url || "")) {
          el = document.createElement("a");
          el.href = b.url;
          el.target = "_blank";
          el.rel = "noopener noreferrer";
        } else {
          el = document.createElement("button");
          el.type = "button";
          el.addEventListener("click", () => press(msg.id, r, c, b.text));
        }
        el.className = "inline-btn";
        el.textContent = b.text;
        line.appendChild(el);
      });
      keyboard.appendChild(line);
    });
    row.appendChild(keyboard);
  }
  return row;
}

function upsertMessage(chatId, msg) {
  const chat = state.chats.get(chatId);
  if (!chat) {
    const buffered = state.loading.get(chatId);
    if (buffered) buffered.push(msg);
    return;
  }
  chat.messages.set(msg.id, msg);
  if (chatId !== state.current) return;
  const list = $("messages");
  const placeholder = list.querySelector(".empty"); // "no messages yet": not any more
  if (placeholder) placeholder.remove();
  const existing = list.querySelector(`.msg-row[data-id="${msg.id}"]`);
  const el = renderMessage(msg);
  if (existing) {
    existing.replaceWith(el); // an edit: in place, where the card was
  } else {
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    list.appendChild(el);
    if (nearBottom || !msg.from_bot) list.scrollTop = list.scrollHeight;
  }
}

function removeMessage(chatId, messageId) {
  const chat = state.chats.get(chatId);
  if (chat) chat.messages.delete(messageId);
  if (chatId === state.current) {
    const el = $("messages").querySelector(`.msg-row[data-id="${messageId}"]`);
    if (el) el.remove();
  }
}

function renderChat() {
  const list = $("messages");
  list.replaceChildren();
  const chat = state.chats.get(state.current);
  if (!chat) return;
  if (chat.messages.size === 0) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = t("empty");
    list.appendChild(empty);
  }
  for (const msg of chat.messages.values()) list.appendChild(renderMessage(msg));
  list.scrollTop = list.scrollHeight;
  renderKeyboard();
}

function renderKeyboard() {
  const chat = state.chats.get(state.current);
  const panel = $("keyboard");
  const rows = chat && chat.keyboard;
  $("keyboard-btn").hidden = !rows;
  panel.replaceChildren();
  if (!rows) {
    panel.hidden = true;
    return;
  }
  for (const buttons of rows) {
    const line = document.createElement("div");
    line.className = "keyboard-row";
    for (const b of buttons) {
      const el = document.createElement("button");
      el.type = "button";
      el.className = "keyboard-btn";
      el.textContent = b.location ? `📍 ${b.text}` : b.text;
      el.addEventListener("click", () => {
        if (b.location) togglePlaces(true);
        else keyboardPress(b.text);
      });
      line.appendChild(el);
    }
    panel.appendChild(line);
  }
  panel.hidden = !state.keyboardOpen;
}

// --- people ------------------------------------------------------------------------------

function renderPersonas() {
  const list = $("personas");
  list.replaceChildren();
  for (const p of state.personas.values()) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "persona";
    button.dataset.persona = String(p.id);
    if (p.id === state.current) {
      button.classList.add("active");
      button.setAttribute("aria-current", "true");
    }
    const avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.textContent = p.name.slice(-2);
    avatar.style.background = `hsl(${(p.id * 47) % 360} 55% 52%)`;
    const info = document.createElement("span");
    info.className = "persona-info";
    const name = document.createElement("span");
    name.className = "persona-name";
    name.textContent = p.name;
    const title = document.createElement("span");
    title.className = "persona-title";
    title.textContent = [tr(p.department), tr(p.title)].filter(Boolean).join(" · ");
    const roles = document.createElement("span");
    roles.className = "roles";
    for (const role of p.roles) {
      const chip = document.createElement("span");
      chip.className = "role";
      chip.textContent = tr(role);
      roles.appendChild(chip);
    }
    info.append(name, title, roles);
    button.append(avatar, info);
    if (p.unread > 0 && p.id !== state.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = String(p.unread);
      badge.setAttribute("aria-label", t("unread", { n: p.unread }));
      button.appendChild(badge);
    }
    button.addEventListener("click", () => selectPersona(p.id));
    item.appendChild(button);
    list.appendChild(item);
  }
}

async function loadChat(id) {
  state.chats.delete(id);
  const buffered = [];
  state.loading.set(id, buffered);
  let data;
  try {
    data = await api(`/api/chats/${id}`);
  } finally {
    state.loading.delete(id);
  }
  const messages = new Map(data.messages.map((m) => [m.id, m]));
  // Sent or edited while the history was on its way: newer than what the history holds.
  for (const msg of buffered) messages.set(msg.id, msg);
  state.chats.set(id, {
    messages: new Map([...messages.entries()].sort((a, b) => a[0] - b[0])),
    keyboard: data.keyboard,
    commands: data.commands,
  });
  const p = state.personas.get(id);
  if (p) p.unread = 0;
}

function showWho() {
  const p = state.personas.get(state.current);
  if (!p) return;
  const title = tr(p.title);
  $("chat-sub").textContent = title ? t("you_are_title", { name: p.name, title })
    : t("you_are", { name: p.name });
}

async function selectPersona(id) {
  if (!state.personas.has(id)) {
    toast(t("no_person", { id }), "error");
    return;
  }
  state.current = id;
  history.replaceState(null, "", `#${id}`);
  try {
    await loadChat(id);
  } catch (err) {
    toast(err.message, "error");
    return;
  }
  if (state.current !== id) return;
  showWho();
  state.keyboardOpen = true;
  hideSuggestions();
  togglePlaces(false);
  renderPersonas();
  renderChat();
  $("text").focus();
}

let readTimer = null;
function markRead() {
  clearTimeout(readTimer);
  const id = state.current;
  readTimer = setTimeout(() => api(`/api/chats/${id}/read`, { json: {} }).catch(() => {}), 300);
}

// --- what a person does ------------------------------------------------------------------

async function sendText(text) {
  if (!text.trim() || state.current === null) return;
  await act(`/api/chats/${state.current}/send`, { json: { text } });
}

async function press(messageId, row, column, text) {
  await act(`/api/chats/${state.current}/press`,
    { json: { message_id: messageId, row, column, text } });
}

async function keyboardPress(text) {
  await act(`/api/chats/${state.current}/keyboard`, { json: { text } });
}

async function shareLocation(place) {
  togglePlaces(false);
  await act(`/api/chats/${state.current}/location`, { json: { place } });
}

async function upload(file) {
  if (file.size > state.maxUpload) {
    // The server refuses it too; saying so here spares sending a huge file for nothing.
    toast(t("too_big", { size: formatSize(file.size), max: formatSize(state.maxUpload) }),
      "error");
    return;
  }
  await act(`/api/chats/${state.current}/upload`, {
    body: file,
    headers: {
      "X-File-Name": encodeURIComponent(file.name),
      "Content-Type": file.type || "application/octet-stream",
    },
  });
}

async function moveClock(move, button) {
  const buttons = document.querySelectorAll(".clock-buttons button");
  buttons.forEach((b) => { b.disabled = true; });
  button.classList.add("working");
  try {
    const clock = await api("/api/clock", { json: { move } });
    showClock(clock);
  } catch (err) {
    toast(err.message, "error");
  } finally {
    button.classList.remove("working");
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function showClock(clock) {
  state.clock = clock;
  $("clock-now").textContent = tr(clock.label);
  $("clock-now").dataset.at = clock.now;
  $("next-reminder").textContent = clock.next_reminder ? tr(clock.next_reminder.label)
    : t("clock.no_reminder");
  $("next-shift").textContent = clock.next_shift ? tr(clock.next_shift.label)
    : t("clock.no_shift");
}

let clockTimer = null;
function refreshClockSoon() {
  clearTimeout(clockTimer);
  clockTimer = setTimeout(() => api("/api/clock").then(showClock).catch(() => {}), 400);
}

// --- the composer ------------------------------------------------------------------------

function commandMatches() {
  const chat = state.chats.get(state.current);
  const value = $("text").value;
  if (!chat || !value.startsWith("/") || value.includes(" ")) return [];
  const prefix = value.slice(1).toLowerCase();
  return chat.commands.filter((c) => c.command.startsWith(prefix));
}

function showSuggestions(all = false) {
  const chat = state.chats.get(state.current);
  const box = $("suggestions");
  const matches = all && chat ? chat.commands : commandMatches();
  box.replaceChildren();
  if (!matches.length) {
    box.hidden = true;
    return;
  }
  state.suggestion = Math.min(state.suggestion, matches.length - 1);
  matches.forEach((c, i) => {
    const item = document.createElement("div");
    item.className = `suggestion${i === state.suggestion ? " selected" : ""}`;
    item.setAttribute("role", "option");
    const name = document.createElement("span");
    name.className = "suggestion-command";
    name.textContent = `/${c.command}`;
    const desc = document.createElement("span");
    desc.className = "suggestion-desc";
    desc.textContent = c.description;
    item.append(name, desc);
    item.addEventListener("mousedown", (ev) => {
      ev.preventDefault();
      chooseSuggestion(c.command);
    });
    box.appendChild(item);
  });
  box.hidden = false;
}

function hideSuggestions() {
  $("suggestions").hidden = true;
  state.suggestion = -1;
}

function chooseSuggestion(command) {
  $("text").value = `/${command} `;
  hideSuggestions();
  $("text").focus();
}

function togglePlaces(show) {
  const box = $("places");
  const open = show === undefined ? box.hidden : show;
  box.replaceChildren();
  if (open) {
    const label = document.createElement("div");
    label.className = "places-label";
    label.textContent = t("send_location");
    box.appendChild(label);
    for (const place of state.places) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "place-btn";
      b.textContent = `📍 ${tr(place.label)}`;
      b.addEventListener("click", () => shareLocation(place.key));
      box.appendChild(b);
    }
  }
  box.hidden = !open;
}

function wireComposer() {
  const input = $("text");
  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const matches = commandMatches();
    if (state.suggestion >= 0 && matches[state.suggestion]) {
      chooseSuggestion(matches[state.suggestion].command);
      return;
    }
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    hideSuggestions();
    await sendText(text);
  });
  input.addEventListener("input", () => {
    state.suggestion = -1;
    showSuggestions();
  });
  input.addEventListener("keydown", (ev) => {
    const matches = commandMatches();
    if ($("suggestions").hidden || !matches.length) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const step = ev.key === "ArrowDown" ? 1 : -1;
      state.suggestion = (state.suggestion + step + matches.length) % matches.length;
      showSuggestions();
    } else if (ev.key === "Tab") {
      ev.preventDefault();
      chooseSuggestion(matches[Math.max(state.suggestion, 0)].command);
    } else if (ev.key === "Escape") {
      hideSuggestions();
    }
  });
  // Leaving the field closes the list, unless the field has its focus back by then (a click
  // on a person ends with the field focused again, and typing may start at once).
  input.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== input) hideSuggestions();
  }, 150));
  $("commands-btn").addEventListener("click", () => {
    if ($("suggestions").hidden) showSuggestions(true);
    else hideSuggestions();
  });
  $("attach-btn").addEventListener("click", () => $("file-input").click());
  $("file-input").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (file) await upload(file);
  });
  $("location-btn").addEventListener("click", () => togglePlaces());
  $("keyboard-btn").addEventListener("click", () => {
    state.keyboardOpen = !state.keyboardOpen;
    renderKeyboard();
  });
  $("messages").addEventListener("click", (ev) => {
    const command = ev.target.closest(".from-bot .command");
    if (command) sendText(command.textContent);
  });
  for (const tip of document.querySelectorAll(".tip")) {
    tip.addEventListener("click", () => sendText(tip.dataset.text));
  }
  for (const b of document.querySelectorAll(".clock-buttons button")) {
    b.addEventListener("click", () => moveClock(b.dataset.move, b));
  }
  for (const b of document.querySelectorAll(".lang-switch button")) {
    b.addEventListener("click", () => setLanguage(b.dataset.lang));
  }
}

// The page's own labels: data-i18n (text), data-i18n-title, -placeholder, -aria-label.
function applyLanguage() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  document.title = t("page.title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const attributes = [["title", "i18nTitle"], ["placeholder", "i18nPlaceholder"],
    ["aria-label", "i18nAriaLabel"]];
  for (const [attr, key] of attributes) {
    for (const el of document.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.dataset[key]));
    }
  }
  for (const b of document.querySelectorAll(".lang-switch button")) {
    b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  }
}

function setLanguage(wanted) {
  lang = wanted === "en" ? "en" : "zh";
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch (err) {
    // A browser that keeps nothing: the choice lasts until the page is reloaded.
  }
  applyLanguage();
  if (state.clock) showClock(state.clock);
  renderPersonas();
  if (state.current !== null) {
    showWho();
    renderChat();
  }
  if (!$("places").hidden) togglePlaces(true);
}

// --- live updates ------------------------------------------------------------------------

function onEvent(event) {
  const chatId = event.chat_id;
  switch (event.type) {
    case "message":
    case "edit":
    case "user_message": {
      const chat = state.chats.get(chatId);
      if (chat) chat.keyboard = event.keyboard;
      upsertMessage(chatId, event.message);
      const p = state.personas.get(chatId);
      if (chatId === state.current) {
        if (event.type === "message") {
          state.keyboardOpen = state.keyboardOpen || Boolean(event.keyboard);
          markRead();
        }
        renderKeyboard();
      } else if (p && event.type === "message") {
        p.unread = event.unread;
        renderPersonas();
      }
      if (event.type !== "user_message") refreshClockSoon();
      break;
    }
    case "delete":
      removeMessage(chatId, event.message_id);
      break;
    case "callback_answer":
      if (chatId === state.current && event.text) {
        toast(event.text, event.show_alert ? "alert" : "info");
      }
      break;
    case "clock":
      showClock(event.clock);
      break;
    default:
      break;
  }
}

// The stream of what the bot does. The browser retries a dropped stream by itself, but
// gives up on one the server answered with an error (readyState CLOSED): then a new stream
// is opened after a pause that grows while the sandbox stays away.
const RECONNECT_MS = [1000, 2000, 5000, 10000];

function connect() {
  const source = new EventSource("/api/events");
  source.onmessage = (ev) => {
    try {
      onEvent(JSON.parse(ev.data));
    } catch (err) {
      console.error("bad event", err);
    }
  };
  source.onopen = async () => {
    state.reconnects = 0;
    document.body.classList.remove("offline");
    document.body.dataset.stream = "open";
    if (state.streamLost) {
      // Back after a break: whatever happened while the stream was down is read afresh.
      state.streamLost = false;
      try {
        await loadState();
        if (state.current !== null) await selectPersona(state.current);
      } catch (err) {
        toast(err.message, "error");
      }
    }
  };
  source.onerror = () => {
    state.streamLost = true;
    document.body.classList.add("offline");
    document.body.dataset.stream = "lost";
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      const wait = RECONNECT_MS[Math.min(state.reconnects, RECONNECT_MS.length - 1)];
      state.reconnects += 1;
      setTimeout(connect, wait);
    }
  };
}

async function loadState() {
  const data = await api("/api/state");
  $("bot-name").textContent = data.bot.name;
  state.maxUpload = data.max_upload;
  state.places = data.places;
  state.personas = new Map(data.personas.map((p) => [p.id, p]));
  showClock(data.clock);
  renderPersonas();
}

async function main() {
  applyLanguage();
  wireComposer();
  try {
    await loadState();
  } catch (err) {
    toast(err.message, "error");
    return;
  }
  connect();
  const wanted = Number(location.hash.slice(1));
  const first = state.personas.has(wanted) ? wanted : state.personas.keys().next().value;
  await selectPersona(first);
  document.body.dataset.ready = "true";
}

main();
