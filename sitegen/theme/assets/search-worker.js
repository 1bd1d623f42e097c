/* Starts mkdocs-material's search worker only when the page first sends it something,
 * which it does once a member has opened search and the index has arrived. */
self.addEventListener("message", function start(event) {
  self.removeEventListener("message", start);
  importScripts(new URL(location.href).searchParams.get("worker"));
  self.dispatchEvent(new MessageEvent("message", { data: event.data }));
});
