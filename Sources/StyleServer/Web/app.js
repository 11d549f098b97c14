// The stylize page: a photo, bundled or uploaded styles, options; transformer requests run directly and
// Gram runs as jobs with progress from their event stream. The result lies over the photo with a
// before/after slider; errors appear next to the control named by the API's "field".
"use strict";
const $ = (id) => document.getElementById(id);
const state = { info: null, job: null, abort: null, content: null, contentURL: null, resultURL: null, styles: [], bundled: new Map() };
const optionIds = ["mode", "size", "alpha", "preserve_color", "format", "steps", "style_weight", "content_weight",
  "tv_weight", "optimizer", "lr", "init_from", "seed", "multiscale", "style_size"];
const extensions = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

function headers() {
  const token = $("token").value.trim() || sessionStorage.getItem("stylize-token");
  return token ? { Authorization: "Bearer " + token } : {};
}

// "IMG_0001.HEIC" → "IMG_0001", with characters file systems refuse replaced.
function stem(name) { return name.replace(/\.[^.]*$/, "").replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_") || "image"; }

function clearErrors() {
  document.querySelectorAll(".error").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}

// The control a field's error belongs to: blend weights and style parts have no single input of their own name.
function controlFor(field) {
  if (field === "style_blend") return document.querySelector(".blend");
  if (field === "style") return $("style");
  return field ? $(field) : null;
}

function showError(message, field) {
  const target = (field && $("error-" + field)) || $("error-general");
  target.textContent = message;
  const details = target.closest("details");
  if (details) details.open = true;
  const control = target.id === "error-general" ? null : controlFor(field);
  if (control) {
    control.setAttribute("aria-invalid", "true");
    if (document.activeElement === document.body || document.activeElement === $("run")) control.focus();
  }
}

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (response.status === 401) { $("token-field").hidden = false; }
  return { message: (body && body.error) || `${response.status} ${response.statusText}`, field: body && body.field };
}

async function loadInfo() {
  try {
    const response = await fetch("/v1/info", { headers: headers() });
    if (!response.ok) { const e = await errorFrom(response); $("server-info").textContent = e.message; return; }
    state.info = await response.json();
    const weights = state.info.weights.map((w) => `${w.file} (sha256 ${w.sha256.slice(0, 12)}…)`).join(", ") || "seeded random network";
    $("server-info").textContent = `modes: ${state.info.modes.join(", ")} · weights: ${weights} · ${state.info.cpu}`;
  } catch (e) { $("server-info").textContent = "server unreachable: " + e.message; }
}

// Resolves to whether the browser can show `url` as an image.
function loads(url) {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth > 0);
    img.onerror = () => resolve(false);
    img.src = url;
  });
}

// A URL the browser can show for `file`: the file itself, or the server's JPEG of it (HEIC, TIFF: POST /v1/decode).
async function displayURL(file) {
  const local = URL.createObjectURL(file);
  if (await loads(local)) return local;
  URL.revokeObjectURL(local);
  const data = new FormData();
  data.append("image", file, file.name);
  const response = await fetch("/v1/decode", { method: "POST", body: data, headers: headers() });
  if (!response.ok) throw await errorFrom(response);
  return URL.createObjectURL(await response.blob());
}

async function loadBundled() {
  try {
    const response = await fetch("/v1/styles");
    if (!response.ok) throw await errorFrom(response);
    const { styles } = await response.json();
    for (const style of styles) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb";
      button.dataset.style = style.name;
      button.setAttribute("aria-pressed", "false");
      const img = document.createElement("img");
      img.src = style.thumbnail;
      img.alt = "";
      img.width = 54; img.height = 54;
      const caption = document.createElement("span");
      caption.textContent = style.title;
      button.append(img, caption);
      button.addEventListener("click", () => toggleBundled(style, button));
      $("bundled").append(button);
      state.bundled.set(style.name, button);
    }
  } catch (e) { $("error-bundled").textContent = "the bundled styles did not load: " + (e.message || e); }
}

function toggleBundled(style, button) {
  const index = state.styles.findIndex((s) => s.bundled === style.name);
  if (index >= 0) {
    state.styles.splice(index, 1);
  } else {
    const blob = fetch(style.image).then((r) => { if (!r.ok) throw new Error(`${style.image}: ${r.status}`); return r.blob(); });
    blob.catch(() => {});  // reported when the form is sent
    state.styles.push({ bundled: style.name, name: style.name, title: style.title, filename: style.file, blob, thumb: style.thumbnail, weight: "1" });
  }
  renderStyles();
}

function addUploadedStyles() {
  for (const file of Array.from($("style").files)) {
    const entry = { name: stem(file.name), title: file.name, filename: file.name, blob: Promise.resolve(file), thumb: null, weight: "1" };
    state.styles.push(entry);
    displayURL(file).then((url) => { entry.thumb = url; if (entry.img) entry.img.src = url; })
      .catch((e) => showError(e.message || String(e), "style"));
  }
  $("style").value = "";  // so the same file can be added again
  renderStyles();
}

function renderStyles() {
  for (const [name, button] of state.bundled) button.setAttribute("aria-pressed", String(state.styles.some((s) => s.bundled === name)));
  const list = $("style-list");
  list.textContent = "";
  state.styles.forEach((style, i) => {
    const item = document.createElement("li");
    item.className = "style-item";
    const img = document.createElement("img");
    if (style.thumb) img.src = style.thumb;
    img.alt = "";
    style.img = img;
    const name = document.createElement("span");
    name.className = "style-name";
    name.textContent = style.title;
    const label = document.createElement("label");
    label.htmlFor = "blend-" + i;
    label.textContent = "weight";
    const weight = document.createElement("input");
    Object.assign(weight, { type: "number", min: "0", step: "any", value: style.weight, id: "blend-" + i, className: "blend" });
    weight.setAttribute("aria-label", `blend weight of ${style.title}`);
    weight.setAttribute("aria-describedby", "error-style_blend");
    weight.addEventListener("input", () => { style.weight = weight.value; });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `remove ${style.title}`);
    remove.addEventListener("click", () => { state.styles.splice(state.styles.indexOf(style), 1); renderStyles(); $("style").focus(); });
    item.append(img, name, label, weight, remove);
    list.append(item);
  });
}

function setCompare(url) {
  const before = $("before");
  before.onload = () => { $("compare").style.setProperty("--ar", String(before.naturalWidth / before.naturalHeight)); };
  before.src = url;
  $("content-preview").src = url;
  $("content-preview").hidden = false;
  $("compare").hidden = false;
  $("stage-empty").hidden = true;
}

async function showContent() {
  const file = $("content").files[0];
  clearErrors();
  if (state.contentURL) URL.revokeObjectURL(state.contentURL);
  state.content = file || null;
  state.contentURL = null;
  $("after-clip").hidden = true;
  $("divider").hidden = true;
  $("output").hidden = true;
  $("content-preview").hidden = true;
  if (!file) { $("compare").hidden = true; $("stage-empty").hidden = false; return; }
  try {
    const url = await displayURL(file);
    if (state.content !== file) { URL.revokeObjectURL(url); return; }
    state.contentURL = url;
    setCompare(url);
  } catch (e) {
    showError(e.message || String(e), "content");
  }
}

async function buildForm() {
  const data = new FormData();
  data.append("content", state.content, state.content.name);
  for (const style of state.styles) {
    let blob;
    try { blob = await style.blob; } catch (e) { throw { message: `the bundled style ${style.name} did not load: ${e.message}`, field: "style" }; }
    data.append("style", blob, style.filename);
  }
  for (const id of optionIds) {
    const value = $(id).value.trim();
    if (value !== "" && !(id === "alpha" && value === "1") && !(id === "preserve_color" && value === "none")
        && !(id === "mode" && value === "auto") && !(id === "format" && value === "png")) data.append(id, value);
  }
  const blend = state.styles.map((s) => String(s.weight).trim());
  if (blend.length > 1 && blend.some((w) => w !== "1")) data.append("style_blend", blend.join(","));
  return data;
}

function runsAsJob() {
  const mode = $("mode").value;
  return mode === "gram" || (mode === "auto" && state.info && !state.info.modes.includes("transformer"));
}

function busy(on) {
  $("run").disabled = on;
  $("cancel").hidden = !on || !state.job;
  $("stage").setAttribute("aria-busy", String(on));
}

// Screen readers hear `text` (a polite live region); `progress` also shows it under the progress bar.
function announce(text, progress = true) {
  $("stage-status").textContent = text;
  if (progress) $("progress-text").textContent = text;
}

// `names`: the photo's and styles' stems at submit time, for the download's file name.
async function showResult(response, names) {
  const blob = await response.blob();
  if (state.resultURL) URL.revokeObjectURL(state.resultURL);
  state.resultURL = URL.createObjectURL(blob);
  const result = $("result");
  result.onload = () => {
    $("result-size").textContent = `${result.naturalWidth}×${result.naturalHeight}`;
    announce(`result ready: ${result.naturalWidth}×${result.naturalHeight}`, false);
  };
  result.src = state.resultURL;
  if (state.contentURL && $("before").src !== state.contentURL) setCompare(state.contentURL);
  const ext = extensions[blob.type] || "png";
  $("download").href = state.resultURL;
  $("download").download = `${names.content}_stylized_${names.styles.join("+")}.${ext}`;
  const rows = $("metadata").querySelector("tbody");
  rows.textContent = "";
  response.headers.forEach((value, name) => {
    if (!name.toLowerCase().startsWith("x-stylize-")) return;
    const row = rows.insertRow();
    row.insertCell().textContent = name.slice("x-stylize-".length);
    row.insertCell().textContent = decodeURIComponent(value);
  });
  $("after-clip").hidden = false;
  $("divider").hidden = false;
  $("output").hidden = false;
  const top = $("stage").getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) $("stage").scrollIntoView({ block: "start" });
}

async function runDirect(data, names) {
  $("progress").hidden = false;
  delete $("progress").dataset.state;
  $("progress-bar").removeAttribute("value");  // indeterminate
  announce("stylising…");
  const response = await fetch("/v1/stylize", { method: "POST", body: data, headers: headers() });
  $("progress").hidden = true;
  if (!response.ok) { const e = await errorFrom(response); announce("", false); showError(e.message, e.field); return; }
  await showResult(response, names);
}

function showProgress(event) {
  const bar = $("progress-bar");
  bar.max = event.steps || 1;
  bar.value = event.step;
  const eta = event.eta_seconds != null ? ` · about ${Math.ceil(event.eta_seconds)} s left` : "";
  $("progress-text").textContent = `step ${event.step} of ${event.steps} · content ${event.content_loss.toPrecision(4)} · style ${event.style_loss.toPrecision(4)} · total ${event.total_loss.toPrecision(4)}${eta}`;
  const tenth = Math.floor((10 * event.step) / (event.steps || 1));
  if (tenth !== state.announcedTenth) { state.announcedTenth = tenth; announce(`step ${event.step} of ${event.steps}${eta}`, false); }
  $("progress").dataset.events = String(Number($("progress").dataset.events || 0) + 1);
}

// Server-Sent Events over fetch (EventSource cannot send the Authorization header).
async function followEvents(id) {
  state.abort = new AbortController();
  const response = await fetch(`/v1/jobs/${id}/events`, { headers: headers(), signal: state.abort.signal });
  if (!response.ok) { const e = await errorFrom(response); showError(e.message, e.field); return null; }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", final = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = (block.match(/^event: (.*)$/m) || [])[1];
      const data = JSON.parse((block.match(/^data: (.*)$/m) || [, "null"])[1]);
      if (name === "progress") showProgress(data);
      else if (name === "preview") { $("preview").src = data.image; $("preview").hidden = false; }
      else if (name === "state") {
        $("progress").dataset.state = data.state;
        if (["done", "failed", "cancelled"].includes(data.state)) final = data;
      }
    }
  }
  return final;
}

async function runJob(data, names) {
  const response = await fetch("/v1/jobs", { method: "POST", body: data, headers: headers() });
  if (!response.ok) { const e = await errorFrom(response); showError(e.message, e.field); return; }
  const { id } = await response.json();
  state.job = id;
  busy(true);
  $("progress").hidden = false;
  $("progress").dataset.events = "0";
  $("progress").dataset.state = "queued";
  $("progress-bar").value = 0;
  $("preview").hidden = true;
  state.announcedTenth = -1;
  announce("queued…");
  const final = await followEvents(id);
  if (!final) return;
  if (final.state === "done") {
    const result = await fetch(`/v1/jobs/${id}/result`, { headers: headers() });
    if (result.ok) { $("progress").hidden = true; await showResult(result, names); } else { const e = await errorFrom(result); showError(e.message, e.field); }
  } else if (final.state === "cancelled") {
    announce(`cancelled at step ${final.step} of ${final.steps}`);
  } else {
    showError(final.error || "the job failed", final.field);
  }
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  if (!state.content) { showError("pick a photo", "content"); return; }
  if (!state.styles.length) { showError("pick a style above or upload a style image", "style"); return; }
  const token = $("token").value.trim();
  if (token) sessionStorage.setItem("stylize-token", token);
  const names = { content: stem(state.content.name), styles: state.styles.map((s) => stem(s.name)) };
  busy(true);
  try {
    const data = await buildForm();
    if (runsAsJob()) await runJob(data, names); else await runDirect(data, names);
  } catch (e) {
    if (e.name !== "AbortError") showError(e.field ? e.message : "request failed: " + e.message, e.field);
  } finally {
    state.job = null;
    busy(false);
  }
}

async function cancel() {
  if (!state.job) return;
  await fetch(`/v1/jobs/${state.job}`, { method: "DELETE", headers: headers() });
}

function setSlider(value) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  $("slider").value = String(v);
  $("after-clip").style.clipPath = `inset(0 0 0 ${v}%)`;
  $("divider").style.left = `${v}%`;
  $("slider").setAttribute("aria-valuetext", `${v}% photo, ${100 - v}% result`);
}

// Dragging on the picture moves the slider too (the range input stays the keyboard and screen-reader control).
function dragCompare(event) {
  if ($("after-clip").hidden || $("compare").classList.contains("side") || (event.type === "pointermove" && !event.buttons)) return;
  const box = $("compare").getBoundingClientRect();
  setSlider(((event.clientX - box.left) / box.width) * 100);
}

function dropZone(zone, input) {
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    input.files = e.dataTransfer.files;
    input.dispatchEvent(new Event("change"));
  });
}

$("content").addEventListener("change", showContent);
$("style").addEventListener("change", addUploadedStyles);
$("alpha").addEventListener("input", () => { $("alpha-value").textContent = $("alpha").value; });
$("slider").addEventListener("input", () => setSlider(Number($("slider").value)));
$("side-by-side").addEventListener("change", () => {
  $("compare").classList.toggle("side", $("side-by-side").checked);
  $("slider").disabled = $("side-by-side").checked;
});
$("compare").addEventListener("pointerdown", dragCompare);
$("compare").addEventListener("pointermove", dragCompare);
$("form").addEventListener("submit", submit);
$("cancel").addEventListener("click", cancel);
dropZone($("drop-content"), $("content"));
dropZone($("drop-style"), $("style"));
setSlider(50);
loadInfo();
loadBundled();
