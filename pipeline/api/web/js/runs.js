// Runs: live progress (polled), status, errors, attempts, cancel; and a form submitting
// a file from the allowed roots with analyzers and a profile, both as GET /v1/analyzers
// lists them.
import { api } from "./api.js";
import { fileName, h, message, shortId } from "./dom.js";

const POLL_MS = 1000;
const ACTIVE = new Set(["queued", "running"]);

function submitForm(report, { analyzers, default_profile: defaultProfile }) {
  const path = h("input", { name: "path", required: true, placeholder: "/videos/clip.mp4", "aria-label": "file path" });
  const boxes = analyzers.map(({ name }, index) => h("label", {}, h("input", { type: "checkbox", name: "analyzer", value: name, checked: index === 0 }), name));
  const profiles = [...new Set(analyzers.flatMap((analyzer) => analyzer.profiles))].sort();
  const profile = h("select", { name: "profile", "aria-label": "profile" }, profiles.map((name) => h("option", { value: name, selected: name === defaultProfile }, name)));
  return h("form", { class: "submit", onsubmit: async (event) => {
    event.preventDefault();
    const analyzers = boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    try {
      const answer = await api("/v1/videos", { method: "POST", body: { path: path.value.trim(), analyzers, profile: profile.value } });
      report.replaceChildren(message(`${answer.runs.length} run(s) planned for ${fileName(answer.path)} (${answer.execution})`));
    } catch (error) {
      report.replaceChildren(message(error.message, "error"));
    }
  } },
  h("h2", {}, "Analyze a file"), path, h("fieldset", {}, h("legend", {}, "Analyzers"), boxes),
  h("label", {}, "Profile ", profile), h("button", { type: "submit" }, "Submit"));
}

function runRow(run, videos, refresh) {
  const percent = Math.round(run.progress * 100);
  const cancel = ACTIVE.has(run.status)
    ? h("button", { type: "button", class: "cancel", onclick: async () => { await api(`/v1/runs/${run.run_id}/cancel`, { method: "POST" }).catch(() => null); refresh(); } }, "Cancel")
    : null;
  return h("tr", { dataset: { runId: run.run_id, status: run.status } },
    h("td", { title: run.run_id }, shortId(run.run_id)),
    h("td", {}, h("a", { href: `/videos/${encodeURIComponent(run.video_id)}` }, fileName(videos.get(run.video_id)?.path ?? run.video_id))),
    h("td", {}, run.analyzer), h("td", {}, run.profile),
    h("td", {}, h("span", { class: `chip ${run.status}` }, run.status)),
    h("td", {}, h("progress", { max: 100, value: percent, "aria-label": `${percent}%` }), ` ${percent}%`),
    h("td", {}, String(run.attempts)),
    h("td", { class: "error-cell" }, run.error_code ? `${run.error_code}: ${run.error_message ?? ""}` : ""),
    h("td", {}, cancel));
}

export async function runsPage(main) {
  document.title = "Runs · Eioku";
  const report = h("div", { class: "submit-report" });
  const body = h("tbody", {});
  let timer = null;
  let stopped = false;
  async function refresh() {
    const [{ runs }, { videos }] = await Promise.all([api("/v1/runs?limit=200"), api("/v1/videos")]);
    const byId = new Map(videos.map((video) => [video.video_id, video]));
    body.replaceChildren(...runs.map((run) => runRow(run, byId, refresh)));
  }
  async function poll() {
    await refresh().catch((error) => report.replaceChildren(message(error.message, "error")));
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }
  const declared = await api("/v1/analyzers");
  main.append(
    h("h1", {}, "Runs"),
    submitForm(report, declared),
    report,
    h("table", { class: "runs" },
      h("thead", {}, h("tr", {}, ["Run", "Video", "Analyzer", "Profile", "Status", "Progress", "Attempts", "Error", ""].map((name) => h("th", {}, name)))),
      body),
  );
  await poll();
  return () => { stopped = true; clearTimeout(timer); };
}
