// The report editor: autosave with optimistic concurrency, sign, addendum, take over, dictation.
(function () {
  "use strict";
  var root = document.querySelector("[data-editor]");
  if (!root) return;
  var strings = JSON.parse(document.getElementById("editor-strings").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var base = "/r/" + root.getAttribute("data-link") + "/";
  var canEdit = root.getAttribute("data-can-edit") === "true";
  var revision = parseInt(root.getAttribute("data-revision"), 10);

  function $(selector) { return document.querySelector(selector); }
  function on(action, handler) {
    document.querySelectorAll('[data-action="' + action + '"]').forEach(function (node) {
      node.addEventListener("click", function (event) { handler(node, event); });
    });
  }
  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }
  function showMessage(text, scope) {
    var box = (scope || document).querySelector("[data-message]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }
  function refusalText(res) {
    var code = res.data && res.data.error;
    if (res.status === 401) return strings.session;
    return strings[code] || strings.error;
  }
  function dialog(name) { return $('[data-dialog="' + name + '"]'); }
  on("cancel-dialog", function (button) { button.closest("dialog").close(); });

  // Take over: another member becomes the owner of the draft.
  on("takeover", function (button) {
    button.disabled = true;
    post("takeover").then(function (res) {
      if (res.status === 200) { window.location.reload(); return; }
      button.disabled = false;
      window.alert(refusalText(res));
    }, function () { button.disabled = false; window.alert(strings.error); });
  });

  // Addenda (Final reports only).
  var addendumForm = $("[data-addendum-form]");
  if (addendumForm) {
    var addendumText = addendumForm.querySelector("[data-addendum-text]");
    on("open-addendum", function (button) {
      addendumForm.hidden = false;
      button.hidden = true;
      addendumText.focus();
    });
    on("cancel-addendum", function () {
      addendumForm.hidden = true;
      $('[data-action="open-addendum"]').hidden = false;
    });
    on("sign-addendum", function () {
      if (!addendumText.value.trim()) { showMessage(strings.addendum_empty, addendumForm); return; }
      dialog("addendum").showModal();
    });
    on("confirm-addendum", function (button) {
      button.disabled = true;
      post("addendum", { text: addendumText.value }).then(function (res) {
        if (res.status === 200) { window.location.reload(); return; }
        button.disabled = false;
        dialog("addendum").close();
        showMessage(res.data.error === "empty" ? strings.addendum_empty : refusalText(res), addendumForm);
      }, function () {
        button.disabled = false;
        dialog("addendum").close();
        showMessage(strings.error, addendumForm);
      });
    });
  }

  if (!canEdit) return;

  var findings = $("#findings");
  var impression = $("#impression");
  var sections = [findings, impression];
  var stateLabel = $("[data-save-state]");
  var conflictBox = $("[data-conflict]");
  var lastFocused = findings;
  var saved = { findings: findings.value, impression: impression.value };
  var timer = null;
  var inFlight = null;
  var blocked = false; // after a refusal, autosave waits for the user's choice
  var theirs = null;

  function current() { return { findings: findings.value, impression: impression.value }; }
  function dirty() { var c = current(); return c.findings !== saved.findings || c.impression !== saved.impression; }
  function setState(name) {
    stateLabel.setAttribute("data-state", name);
    stateLabel.textContent = strings[name === "error" ? "unsaved" : name];
  }
  var autosizeNeeded = !(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"));
  function autosize(area) {
    if (!autosizeNeeded) return;
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }
  sections.forEach(function (area) {
    autosize(area);
    area.addEventListener("focus", function () { lastFocused = area; });
    area.addEventListener("input", function () {
      autosize(area);
      if (dirty()) { setState("unsaved"); if (!blocked) schedule(); } else if (!blocked) { setState("saved"); }
    });
  });
  function schedule() { clearTimeout(timer); timer = setTimeout(save, 1200); }

  function save() {
    clearTimeout(timer);
    if (blocked) return Promise.resolve(false);
    if (inFlight) return inFlight.then(save);
    if (!dirty()) { setState("saved"); return Promise.resolve(true); }
    var body = current();
    body.revision = revision;
    setState("saving");
    inFlight = post("save", body).then(function (res) {
      inFlight = null;
      if (res.status !== 200) { refused(res); return false; }
      revision = res.data.revision;
      saved = { findings: body.findings, impression: body.impression };
      document.dispatchEvent(new CustomEvent("radlink:saved"));
      showMessage("");
      if (dirty()) { setState("unsaved"); schedule(); } else { setState("saved"); }
      return true;
    }, function () {
      inFlight = null;
      setState("error");
      showMessage(strings.error);
      return false;
    });
    return inFlight;
  }

  function refused(res) {
    var code = res.data && res.data.error;
    setState("error");
    if (code === "stale") { showConflict(res.data); return; }
    if (code === "not_owner" || code === "final") blocked = true;
    showMessage(refusalText(res));
  }

  function showConflict(data) {
    blocked = true;
    theirs = data;
    conflictBox.querySelector("[data-conflict-message]").textContent = strings.stale;
    conflictBox.querySelector("[data-conflict-findings]").textContent = data.findings || "—";
    conflictBox.querySelector("[data-conflict-impression]").textContent = data.impression || "—";
    conflictBox.hidden = false;
    showMessage("");
    conflictBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  function resolveConflict(useTheirs) {
    if (!theirs) return;
    revision = theirs.revision;
    saved = { findings: theirs.findings, impression: theirs.impression };
    if (useTheirs) {
      findings.value = theirs.findings;
      impression.value = theirs.impression;
      sections.forEach(autosize);
    }
    theirs = null;
    blocked = false;
    conflictBox.hidden = true;
    save();
  }
  // For static/embed.js: save before the window follows a new launch (SyncLaunch).
  window.radlinkEditor = { flush: save };

  on("use-theirs", function () { resolveConflict(true); });
  on("keep-mine", function () { resolveConflict(false); });
  on("save", function () { save(); });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty()) { event.preventDefault(); event.returnValue = ""; }
  });

  // Sign: confirm, then the current text is saved and signed in one request.
  on("sign", function () {
    if (!findings.value.trim() && !impression.value.trim()) { showMessage(strings.empty); return; }
    dialog("sign").showModal();
  });
  on("confirm-sign", function (button) {
    clearTimeout(timer);
    button.disabled = true;
    (inFlight || Promise.resolve()).then(function () {
      var body = current();
      body.revision = revision;
      return post("sign", body);
    }).then(function (res) {
      if (res.status === 200) {
        saved = current();
        document.dispatchEvent(new CustomEvent("radlink:signed"));
        window.location.reload();
        return;
      }
      button.disabled = false;
      dialog("sign").close();
      refused(res);
    }, function () {
      button.disabled = false;
      dialog("sign").close();
      showMessage(strings.error);
    });
  });

  // Dictation with the Web Speech API; the button stays hidden where the API is missing.
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var micButton = $('[data-action="dictate"]');
  if (!Recognition || !micButton) return;
  var speechLang = root.getAttribute("data-speech-lang") || "en-US";
  var noSpaces = /^(ja|zh)/.test(speechLang);
  var interimBox = $("[data-interim]");
  var micLabel = micButton.querySelector("[data-mic-label]");
  var recognition = null;
  var COMMANDS = {
    en: { newline: ["new line", "new paragraph"], next: ["next section"], save: ["save", "save report"] },
    es: { newline: ["nueva línea", "nuevo párrafo"], next: ["siguiente sección"], save: ["guardar"] },
    fr: { newline: ["nouvelle ligne", "à la ligne"], next: ["section suivante"], save: ["enregistrer"] },
    ja: { newline: ["改行"], next: ["次のセクション"], save: ["保存"] },
    de: { newline: ["neue zeile", "neuer absatz"], next: ["nächster abschnitt"], save: ["speichern"] },
    nl: { newline: ["nieuwe regel"], next: ["volgende sectie"], save: ["opslaan"] },
    ko: { newline: ["새 줄", "줄 바꿈"], next: ["다음 섹션"], save: ["저장"] },
    pl: { newline: ["nowa linia", "nowy wiersz"], next: ["następna sekcja"], save: ["zapisz"] },
    ro: { newline: ["rând nou", "linie nouă"], next: ["secțiunea următoare"], save: ["salvează"] },
    pt: { newline: ["nova linha", "novo parágrafo"], next: ["próxima seção"], save: ["salvar"] },
    zh: { newline: ["换行", "換行"], next: ["下一部分", "下一節"], save: ["保存", "儲存"] }
  };
  var commands = COMMANDS[speechLang.slice(0, 2)] || COMMANDS.en;
  micButton.hidden = false;

  function commandOf(text) {
    var said = text.toLowerCase().replace(/[\s.,!?。、！？]+$/u, "").trim();
    for (var name in commands) {
      if (commands[name].indexOf(said) !== -1) return name;
    }
    return null;
  }
  function insert(text) {
    var area = lastFocused;
    var start = area.selectionStart, end = area.selectionEnd;
    var before = area.value.slice(0, start);
    if (text !== "\n" && !noSpaces && before && !/\s$/.test(before)) text = " " + text;
    area.setRangeText(text, start, end, "end");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function finalResult(transcript) {
    var text = transcript.trim();
    if (!text) return;
    var command = commandOf(text);
    if (command === "newline") insert("\n");
    else if (command === "next") {
      lastFocused = lastFocused === findings ? impression : findings;
      lastFocused.focus();
      lastFocused.setSelectionRange(lastFocused.value.length, lastFocused.value.length);
    } else if (command === "save") save();
    else insert(text);
  }
  function setListening(listening) {
    micButton.setAttribute("aria-pressed", listening ? "true" : "false");
    micLabel.textContent = listening ? strings.stop : strings.dictate;
    interimBox.hidden = true;
    if (listening) { interimBox.textContent = strings.listening; interimBox.hidden = false; }
  }
  function start() {
    recognition = new Recognition();
    recognition.lang = speechLang;
    recognition.continuous = true;
    recognition.interimResults = true;
    recognition.onresult = function (event) {
      var interim = "";
      for (var i = event.resultIndex; i < event.results.length; i++) {
        var result = event.results[i];
        if (result.isFinal) finalResult(result[0].transcript);
        else interim += result[0].transcript;
      }
      interimBox.textContent = interim || strings.listening;
      interimBox.hidden = false;
    };
    recognition.onerror = function (event) {
      if (event.error === "not-allowed" || event.error === "service-not-allowed" || event.error === "audio-capture") {
        showMessage(strings.mic_error);
      }
    };
    recognition.onend = function () { recognition = null; setListening(false); };
    setListening(true);
    try { recognition.start(); } catch (e) { recognition = null; setListening(false); }
  }
  micButton.addEventListener("click", function () {
    if (recognition) recognition.stop(); else start();
  });
})();
