// Inside a host application: tell the parent page what happens to the report (postMessage),
// and follow the host's worklist (SyncLaunch) through Server-Sent Events.
(function () {
  "use strict";

  // postMessage: only to the site's allowed origins (never "*"), and never patient data.
  var dataNode = document.getElementById("frame-data");
  var frame = dataNode ? JSON.parse(dataNode.textContent) : null;
  var framed = window.parent && window.parent !== window;
  var status = frame ? frame.status : null;
  function tell(type) {
    if (!frame || !framed) return;
    var message = { type: type, SiteID: frame.site, Accession: frame.accession, status: status };
    frame.origins.forEach(function (origin) {
      try { window.parent.postMessage(message, origin); } catch (e) { /* not that origin */ }
    });
  }
  if (frame) {
    tell("report-opened");
    document.addEventListener("radlink:saved", function () { tell("report-saved"); });
    document.addEventListener("radlink:signed", function () { status = "Final"; tell("report-signed"); });
    window.addEventListener("pagehide", function () { tell("report-closed"); });
  }

  // SyncLaunch: a launch for this user switches this window (after saving the draft).
  if (!window.EventSource || !document.querySelector("[data-sync]")) return;
  var source = new EventSource("/events/sync");
  source.addEventListener("launch", function (event) {
    var link;
    try { link = JSON.parse(event.data).link; } catch (e) { return; }
    if (typeof link !== "string" || link.indexOf("/r/") !== 0) return;
    if (window.location.pathname.toUpperCase() === link.toUpperCase()) return;
    var editor = window.radlinkEditor;
    var saved = editor ? editor.flush() : Promise.resolve(true);
    saved.then(function (ok) {
      if (ok === false) return; // the editor shows why; the text stays here
      source.close();
      window.location.assign(link);
    });
  });
  source.addEventListener("ended", function () { source.close(); });
})();
