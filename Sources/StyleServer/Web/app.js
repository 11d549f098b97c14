// The stylize page: builds the multipart form, runs transformer requests directly and Gram runs as
// jobs with progress from their event stream, and shows errors next to the control named by "field".
"use strict";
const $ = (id) => document.getElementById(id);
const state = { info: null, job: null, abort: null, contentURL: null, resultURL: null };
const optionIds = ["mode", "size", "alpha", "preserve_color", "format", "steps", "style_weight", "content_weight",
  "tv_weight", "optimizer", "lr", "init_from", "seed", "multiscale", "style_size"];

function headers() {
  const token = $("token").value.trim() || sessionStorage.getItem("stylize-token");
  return token ? { Authorization: "Bearer " + token } : {};
}

function clearErrors() {
  document.querySelectorAll(".error").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
}

function showError(message, field) {
  const target = (field && $("error-" + field)) || $("error-general");
  target.textContent = message;
  const control = field && $(field === "style_blend" ? "style" : field);
  if (control) { control.classList.add("invalid"); control.setAttribute("aria-invalid", "true"); }
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

function styleFiles() { return Array.from($("style").files); }

function renderStyles() {
  const list = $("style-list");
  list.textContent = "";
  styleFiles().forEach((file, i) => {
    const item = document.createElement("div");
    item.className = "style-item";
    const img = document.createElement("img");
    img.src = URL.createObjectURL(file);
    img.alt = "style " + (i + 1);
    const label = document.createElement("label");
    label.htmlFor = "blend-" + i;
    label.textContent = "blend weight";
    const weight = document.createElement("input");
    weight.type = "number"; weight.min = "0"; weight.step = "any"; weight.value = "1"; weight.id = "blend-" + i;
    weight.className = "blend";
    item.append(img, label, weight);
    list.append(item);
  });
}

function showContent() {
  const file = $("content").files[0];
  if (state.contentURL) URL.revokeObjectURL(state.contentURL);
  state.contentURL = file ? URL.createObjectURL(file) : null;
  $("content-preview").hidden = !file;
  if (file) $("content-preview").src = state.contentURL;
}

function buildForm() {
  const data = new FormData();
  const content = $("content").files[0];
  if (content) data.append("content", content, content.name);
  for (const style of styleFiles()) data.append("style", style, style.name);
  for (const id of optionIds) {
    const value = $(id).value.trim();
    if (value !== "" && !(id === "alpha" && value === "1") && !(id === "preserve_color" && value === "none")
        && !(id === "mode" && value === "auto") && !(id === "format" && value === "png")) data.append(id, value);
  }
  const blend = Array.from(document.querySelectorAll(".blend")).map((e) => e.value.trim());
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
}

async function showResult(response) {
  const blob = await response.blob();
  if (state.resultURL) URL.revokeObjectURL(state.resultURL);
  state.resultURL = URL.createObjectURL(blob);
  const result = $("result");
  result.onload = () => { $("result-size").textContent = `${result.naturalWidth}×${result.naturalHeight}`; };
  result.src = state.resultURL;
  $("before").src = state.contentURL || "";
  const jpeg = blob.type === "image/jpeg";
  $("download").href = state.resultURL;
  $("download").download = "stylized." + (jpeg ? "jpg" : "png");
  const rows = $("metadata").querySelector("tbody");
  rows.textContent = "";
  response.headers.forEach((value, name) => {
    if (!name.toLowerCase().startsWith("x-stylize-")) return;
    const row = rows.insertRow();
    row.insertCell().textContent = name.slice("x-stylize-".length);
    row.insertCell().textContent = decodeURIComponent(value);
  });
  $("output").hidden = false;
}

async function runDirect(data) {
  const response = await fetch("/v1/stylize", { method: "POST", body: data, headers: headers() });
  if (!response.ok) { const e = await errorFrom(response); showError(e.message, e.field); return; }
  await showResult(response);
}

function showProgress(event) {
  const bar = $("progress-bar");
  bar.max = event.steps || 1;
  bar.value = event.step;
  const eta = event.eta_seconds != null ? ` · about ${Math.ceil(event.eta_seconds)} s left` : "";
  $("progress-text").textContent = `step ${event.step} of ${event.steps} · content ${event.content_loss.toPrecision(4)} · style ${event.style_loss.toPrecision(4)} · total ${event.total_loss.toPrecision(4)}${eta}`;
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

async function runJob(data) {
  const response = await fetch("/v1/jobs", { method: "POST", body: data, headers: headers() });
  if (!response.ok) { const e = await errorFrom(response); showError(e.message, e.field); return; }
  const { id } = await response.json();
  state.job = id;
  busy(true);
  $("progress").hidden = false;
  $("progress").dataset.events = "0";
  $("progress-text").textContent = "queued…";
  const final = await followEvents(id);
  if (!final) return;
  if (final.state === "done") {
    const result = await fetch(`/v1/jobs/${id}/result`, { headers: headers() });
    if (result.ok) await showResult(result); else { const e = await errorFrom(result); showError(e.message, e.field); }
  } else if (final.state === "cancelled") {
    $("progress-text").textContent = `cancelled at step ${final.step} of ${final.steps}`;
  } else {
    showError(final.error || "the job failed", final.field);
  }
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  if (!$("content").files.length) { showError("pick a content image", "content"); return; }
  if (!styleFiles().length) { showError("pick at least one style image", "style"); return; }
  const token = $("token").value.trim();
  if (token) sessionStorage.setItem("stylize-token", token);
  busy(true);
  try {
    if (runsAsJob()) await runJob(buildForm()); else await runDirect(buildForm());
  } catch (e) {
    if (e.name !== "AbortError") showError("request failed: " + e.message);
  } finally {
    state.job = null;
    busy(false);
  }
}

async function cancel() {
  if (!state.job) return;
  await fetch(`/v1/jobs/${state.job}`, { method: "DELETE", headers: headers() });
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
$("style").addEventListener("change", renderStyles);
$("alpha").addEventListener("input", () => { $("alpha-value").textContent = $("alpha").value; });
$("slider").addEventListener("input", () => { $("after-clip").style.clipPath = `inset(0 0 0 ${$("slider").value}%)`; });
$("form").addEventListener("submit", submit);
$("cancel").addEventListener("click", cancel);
dropZone($("drop-content"), $("content"));
dropZone($("drop-style"), $("style"));
loadInfo();
