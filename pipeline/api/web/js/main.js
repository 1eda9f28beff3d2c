// Routes the page by its path (a deep link survives reload); links inside the app
// navigate without reloading.
import { showCacheBanner } from "./diagnostics.js";
import { message } from "./dom.js";
import { libraryPage } from "./library.js";
import { runsPage } from "./runs.js";
import { diagnosticsPage } from "./diagnostics.js";
import { videoPage } from "./video.js";

const main = document.getElementById("page");
let leave = null;

function route(pathname) {
  const video = pathname.match(/^\/videos\/([^/]+)$/);
  if (video) return ["library", () => videoPage(main, decodeURIComponent(video[1]))];
  if (pathname === "/runs") return ["runs", () => runsPage(main)];
  if (pathname === "/diagnostics") return ["diagnostics", () => diagnosticsPage(main)];
  return ["library", () => libraryPage(main)];
}

async function render() {
  if (leave) leave();
  leave = null;
  main.replaceChildren();
  const [section, show] = route(window.location.pathname);
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.toggleAttribute("aria-current", link.dataset.nav === section);
  }
  try {
    leave = (await show()) ?? null;
  } catch (error) {
    main.replaceChildren(message(error.message, "error"));
  }
}

export function navigate(href) {
  window.history.pushState({}, "", href);
  render();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/']");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || link.target) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", render);

render();
showCacheBanner();
