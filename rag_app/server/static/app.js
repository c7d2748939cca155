// rag_app's page: ask (the answer streams in), upload, list and delete documents. Plain DOM, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY = "rag_app.api_key";

// Every /v1 call goes through here: it adds the API key once the user has given it, and asks for it on a 401.
async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  const key = localStorage.getItem(KEY);
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    askForKey();
    throw new Error("this server needs its API key");
  }
  if (!response.ok) throw new Error(await errorMessage(response));
  return response;
}

async function errorMessage(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

function askForKey() {
  localStorage.removeItem(KEY);
  $("key-form").hidden = false;
  $("key-input").focus();
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem(KEY, $("key-input").value.trim());
  $("key-form").hidden = true;
  refresh();
});

// Server-Sent Events from a POST: fetch's body read piece by piece, split into events.
async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) yield { name, data: JSON.parse(data) };
    }
  }
}

function where(source) {
  return source.source + (source.page == null ? "" : `, page ${source.page}`);
}

// The text with the ranges [start, end) wrapped in <mark class=...>, as DOM nodes (no HTML is parsed).
function marked(text, ranges, className) {
  const nodes = [];
  let at = 0;
  for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    nodes.push(document.createTextNode(text.slice(at, start)));
    const mark = document.createElement("mark");
    mark.className = className;
    mark.textContent = text.slice(start, end);
    nodes.push(mark);
    at = end;
  }
  nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

// Where the answer's lines and sentences stand in a source's text: words matched across any
// whitespace, a definition term's added colon optional (the answer folds the chunk's layout).
function quoted(answer, text) {
  const pieces = answer.replace(/^\u201c|\u201d$/g, "").split(/\n| \u2014 |(?<=[.!?])\s+/);
  const ranges = [];
  for (const piece of pieces) {
    const words = piece.trim().split(/\s+/).filter(Boolean);
    if (words.join(" ").length < 8) continue;
    const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:$/, ":?"));
    const found = new RegExp(escaped.join("\\s+")).exec(text);
    if (found) ranges.push([found.index, found.index + found[0].length]);
  }
  return ranges;
}

function showSources(sources, answer = "") {
  const list = $("sources");
  list.replaceChildren();
  for (const source of sources) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = `${where(source)} (score ${source.score.toFixed(2)})`;
    const text = document.createElement("pre");
    text.replaceChildren(...marked(source.text, quoted(answer, source.text), "quote"));
    details.append(summary, text);
    const item = document.createElement("li");
    item.append(details);
    list.append(item);
  }
}

function showAnswer(result) {
  const span = result.answer_span;
  const ranges = span && result.answer.slice(span.start, span.end) === span.text ? [[span.start, span.end]] : [];
  $("answer").replaceChildren(...marked(result.answer, ranges, "span"));
  showSources(result.sources, result.answer);
}

$("ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const answer = $("answer");
  answer.textContent = "";
  answer.className = "";
  $("sources").replaceChildren();
  $("ask").disabled = true;
  try {
    const response = await api("/v1/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: $("question").value, stream: true }),
    });
    for await (const { name, data } of readEvents(response)) {
      if (name === "piece") answer.textContent += data.text;
      else if (name === "sources") showSources(data);
      else if (name === "done") showAnswer(data);
      else if (name === "error") throw new Error(data.error.message);
    }
  } catch (error) {
    answer.className = "error";
    answer.textContent = error.message;
  } finally {
    $("ask").disabled = false;
  }
});

// Upload with progress: XMLHttpRequest, because fetch reports no upload progress.
function upload(files) {
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  const request = new XMLHttpRequest();
  const status = $("upload-status"), progress = $("progress");
  request.open("POST", "/v1/documents");
  const key = localStorage.getItem(KEY);
  if (key) request.setRequestHeader("Authorization", `Bearer ${key}`);
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
  };
  request.upload.onload = () => { status.textContent = "Uploaded; ingesting…"; };
  request.onload = () => {
    progress.hidden = true;
    let body = {};
    try { body = JSON.parse(request.responseText); } catch { /* shown below as the status */ }
    if (request.status === 401) askForKey();
    if (request.status !== 200) {
      status.className = "error";
      status.textContent = body.error ? body.error.message : `upload failed (${request.status})`;
      return;
    }
    const skipped = body.skipped.map((s) => `${s.name}: ${s.reason}`).join("; ");
    const told = [...(body.notes || []), ...(body.warnings || [])].join("; ");  // what the CLI prints too
    status.className = "muted";
    status.textContent = `${body.files_read} file(s) read, ${body.added + body.updated} chunk(s) stored` +
      (skipped ? `; skipped ${skipped}` : "") + (told ? `; note: ${told}` : "");
    refresh();
  };
  request.onerror = () => {
    progress.hidden = true;
    status.className = "error";
    status.textContent = "upload failed: the server did not answer";
  };
  progress.value = 0;
  progress.hidden = false;
  status.className = "muted";
  status.textContent = `Uploading ${files.length} file(s)…`;
  request.send(form);
}

const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  upload(event.dataTransfer.files);
});
$("file-input").addEventListener("change", (event) => {
  upload(event.target.files);
  event.target.value = "";
});

async function showDocuments() {
  const documents = await (await api("/v1/documents")).json();
  const list = $("documents");
  list.replaceChildren();
  for (const doc of documents) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = `${doc.source} (${doc.chunks} chunk${doc.chunks === 1 ? "" : "s"})`;
    const remove = document.createElement("button");
    remove.className = "delete";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete ${doc.source}`);
    remove.addEventListener("click", async () => {
      try {
        await api(`/v1/documents/${encodeURIComponent(doc.source)}`, { method: "DELETE" });
        refresh();
      } catch (error) {
        $("upload-status").className = "error";
        $("upload-status").textContent = error.message;
      }
    });
    item.append(name, remove);
    list.append(item);
  }
}

async function showStats() {
  const stats = await (await api("/v1/stats")).json();
  $("stats").textContent = `${stats.chunks} chunks from ${stats.sources} documents · ${stats.store} · ` +
    `${stats.embedding_model}` + (stats.warning ? ` · ${stats.warning}` : "");
}

function refresh() {
  showStats().catch((error) => { $("stats").textContent = error.message; });
  showDocuments().catch(() => {});
}

refresh();
