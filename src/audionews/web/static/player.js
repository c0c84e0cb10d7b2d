/* audionews player: enhances the server-rendered page, never replaces what it offers.
 *
 * Without this script the page has a native <audio controls> with caption and chapter tracks,
 * chapter links with media fragments and the full transcript. With it: labelled buttons,
 * a seek slider that speaks its position, chapter buttons, a transcript whose sentences become
 * links that play from there (one Tab stop, Up and Down between them, Left and Right between
 * their words), a polite word after every jump
 * on where playback landed, and keyboard shortcuts scoped to the player's own sections.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var store = {
    get: function (key) {
      try { return window.localStorage.getItem("audionews." + key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem("audionews." + key, String(value)); } catch (e) { /* private mode */ }
    }
  };

  // ---------------------------------------------------------------- copy buttons (feed, embed code)

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.closest(".copy-field").querySelector("[data-copy-status]");
    var message = button.getAttribute("data-copy-done") || "Address copied.";
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { status.textContent = message; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { fallbackCopy(source, done); });
      } else {
        fallbackCopy(source, done);
      }
    });
  });

  function fallbackCopy(input, done) {
    input.focus();
    input.select();
    try {
      if (document.execCommand("copy")) { done(); return; }
    } catch (e) { /* fall through */ }
    // Leave the address selected so the user can copy it with their own keys.
  }

  // ---------------------------------------------------------------- the player

  var section = document.querySelector("[data-player]");
  if (!section) { return; }
  var audio = section.querySelector("[data-audio]");
  var controls = section.querySelector("[data-controls]");
  if (!audio || !controls) { return; }

  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var playButton = controls.querySelector('[data-action="play"]');
  var playLabel = playButton.querySelector("[data-label]");
  // The rarer controls sit in the player or, in the compact layout, in a panel of their own.
  var muteButton = document.querySelector('[data-action="mute"]');
  var seek = controls.querySelector("[data-seek]");
  var elapsed = controls.querySelector("[data-elapsed]");
  var total = controls.querySelector("[data-total]");
  var speed = controls.querySelector("[data-speed]");
  var volume = document.querySelector("[data-volume]");
  var follow = document.querySelector("[data-follow]");
  var announce = document.querySelector("[data-announce]");
  var markWords = document.querySelector("[data-mark-words]");
  var announcer = controls.querySelector("[data-announcer]");
  var transcript = document.querySelector("[data-transcript]");
  var hint = document.querySelector("[data-transcript-hint]");
  var fallbackDuration = parseFloat(section.getAttribute("data-duration")) || 0;

  // The enhanced controls replace the native ones only now that they can work.
  controls.hidden = false;
  section.classList.add("is-enhanced");
  audio.controls = false;

  // Text tracks stay available to the browser without drawing anything over the page.
  Array.prototype.forEach.call(audio.textTracks || [], function (track) { track.mode = "hidden"; });

  // ---- toggles (the compact layout of /embed/<slug>): each shows or hides the panel it names,
  // one panel at a time, so the one open has all the room a small frame leaves below the controls

  var toggles = [];
  document.querySelectorAll("[data-toggle]").forEach(function (toggle) {
    var panel = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!panel) { toggle.hidden = true; return; }
    function show(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      panel.hidden = !open;
    }
    toggles.push(show);
    show(false);  // without this script the chapters and transcript are simply shown
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggles.forEach(function (other) { other(false); });
      show(open);
      // Opened while playing, the transcript starts at the sentence being read.
      if (open && transcript && panel.contains(transcript) && currentCue >= 0 && follow.checked) {
        scrollCueIntoView(cues[currentCue].el);
      }
    });
  });

  // ---- words and numbers

  function plural(n, unit) { return n + " " + unit + (n === 1 ? "" : "s"); }

  function spoken(seconds) {
    var t = Math.round(Math.max(0, seconds || 0));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    var parts = [];
    if (h) { parts.push(plural(h, "hour")); }
    if (m) { parts.push(plural(m, "minute")); }
    if (s) { parts.push(plural(s, "second")); }
    return parts.join(" ") || "0 seconds";
  }

  function clock(seconds) {
    var t = Math.floor(Math.max(0, seconds || 0));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) { return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss; }
    return m + ":" + ss;
  }

  function duration() {
    return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : fallbackDuration;
  }

  function say(text) {
    // Clear first so the same words are announced again if they recur.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // ---- chapters: links become buttons that seek within the page

  var chapters = [];
  var chapterList = document.querySelector("[data-chapters]");
  if (chapterList) {
    chapterList.querySelectorAll("a.chapter").forEach(function (link, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "chapter";
      button.setAttribute("data-start", link.getAttribute("data-start"));
      while (link.firstChild) { button.appendChild(link.firstChild); }
      var now = document.createElement("span");
      now.className = "chapter-now";
      now.hidden = true;
      now.textContent = "Now playing";
      button.appendChild(now);
      link.replaceWith(button);
      var title = button.querySelector(".chapter-title");
      chapters.push({
        index: index,
        start: parseFloat(link.getAttribute("data-start")) || 0,
        end: parseFloat(link.getAttribute("data-end")) || 0,
        title: title ? title.textContent.trim() : "Chapter " + (index + 1),
        button: button,
        now: now
      });
      button.addEventListener("click", function () { jumpTo(chapters[index].start, "chapter"); });
    });
  }

  function chapterAt(time) {
    var found = -1;
    for (var i = 0; i < chapters.length; i++) {
      if (time + 0.0005 >= chapters[i].start) { found = i; } else { break; }
    }
    return found;
  }

  // ---- transcript: each sentence becomes a link to its moment in the audio (file.mp3#t=12.3),
  // so assistive technology presents it as a control; a click, Enter or Space plays from there in
  // the page. Links rather than buttons: a <button> always lays out as an inline-block, so a
  // sentence could never break across lines and the paragraphs would stop reading as running
  // text. One tab stop for the whole transcript (a roving tabindex), arrows move between them.

  var cues = [];
  var audioSource = audio.getAttribute("src") || "";
  if (transcript) {
    transcript.querySelectorAll("span.cue").forEach(function (span, index) {
      var link = document.createElement("a");
      link.className = span.className;
      link.id = span.id;
      link.setAttribute("data-start", span.getAttribute("data-start"));
      link.setAttribute("data-end", span.getAttribute("data-end"));
      link.href = audioSource + "#t=" + span.getAttribute("data-start");
      while (span.firstChild) { link.appendChild(span.firstChild); }
      span.replaceWith(link);
      var words = Array.prototype.map.call(link.querySelectorAll("span.word"), function (word) {
        return { el: word, start: parseFloat(word.getAttribute("data-start")) || 0 };
      });
      cues.push({
        el: link,
        start: parseFloat(link.getAttribute("data-start")) || 0,
        end: parseFloat(link.getAttribute("data-end")) || 0,
        words: words
      });
      link.tabIndex = index === 0 ? 0 : -1;
      link.addEventListener("click", function (event) {
        // A modified click (new tab, new window) still opens the audio at that moment.
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
        event.preventDefault();
        // A click on a word plays from that word (its time is exact, from the synthesizer);
        // Enter (a click with no pointer, detail 0) plays from the word the arrows picked.
        var word = event.target.closest ? event.target.closest("span.word") : null;
        var found = event.detail > 0
          ? words.findIndex(function (w) { return w.el === word; })
          : (index === rovingIndex ? pickedWord : -1);
        if (found >= 0) {
          focusCue(index, found);
          jumpTo(words[found].start, "time");
        } else {
          playFromCue(index);
        }
      });
    });
    if (cues.length) {
      transcript.classList.add("is-interactive");
      if (hint) { hint.hidden = false; }
      transcript.addEventListener("keydown", onTranscriptKey);
      ["wheel", "touchmove", "keydown", "pointerdown"].forEach(function (type) {
        transcript.addEventListener(type, function () { lastReading = Date.now(); }, { passive: true });
      });
    }
  }

  // The word picked inside the roving sentence with Left and Right (-1: the whole sentence).
  // Focus stays on the sentence's link, a native control; the picked word is outlined, the
  // link's address points at its moment, and its text is said politely, so Enter or Space
  // plays from that word.
  var rovingIndex = 0;
  var pickedWord = -1;
  function setRoving(index, word) {
    if (!cues.length) { return; }
    pickWord(-1);
    cues[rovingIndex].el.tabIndex = -1;
    rovingIndex = Math.max(0, Math.min(cues.length - 1, index));
    cues[rovingIndex].el.tabIndex = 0;
    pickWord(word === undefined ? -1 : word);
  }

  function pickWord(word) {
    var cue = cues[rovingIndex];
    if (pickedWord >= 0 && cue.words[pickedWord]) { cue.words[pickedWord].el.classList.remove("is-picked"); }
    pickedWord = word >= 0 && word < cue.words.length ? word : -1;
    var start = pickedWord >= 0 ? cue.words[pickedWord].start : cue.el.getAttribute("data-start");
    cue.el.href = audioSource + "#t=" + start;
    if (pickedWord >= 0) { cue.words[pickedWord].el.classList.add("is-picked"); }
  }

  function focusCue(index, word) {
    setRoving(index, word);
    cues[rovingIndex].el.focus({ preventScroll: false });
  }

  // Right and Left step through the words, into the next or previous sentence at its ends; a
  // sentence without word times is one step.
  function stepWord(index, by) {
    var words = cues[index].words.length;
    var at = index === rovingIndex ? pickedWord : -1;
    if (by > 0 && words && at < words - 1) { focusCue(index, at + 1); }
    else if (by < 0 && at > 0) { focusCue(index, at - 1); }
    else if (by > 0 && index < cues.length - 1) { focusCue(index + 1, cues[index + 1].words.length ? 0 : -1); }
    else if (by < 0 && index > 0) { focusCue(index - 1, cues[index - 1].words.length - 1); }
    else { focusCue(index, by < 0 ? -1 : at); }  // at either end of the transcript
    if (pickedWord >= 0) { say(cues[rovingIndex].words[pickedWord].el.textContent); }
  }

  function playFromCue(index) {
    focusCue(index);
    jumpTo(cues[index].start, "time");
  }

  function onTranscriptKey(event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("cue") || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var index = cues.findIndex(function (cue) { return cue.el === target; });
    var handled = true;
    switch (event.key) {
      case "ArrowDown": focusCue(index + 1); break;
      case "ArrowUp": focusCue(index - 1); break;
      case "ArrowRight": stepWord(index, 1); break;
      case "ArrowLeft": stepWord(index, -1); break;
      case "Home": focusCue(0); break;
      case "End": focusCue(cues.length - 1); break;
      // Enter is the link's own click; Space would scroll the page, so it plays from here too.
      case " ": target.click(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); event.stopPropagation(); }
  }

  function cueAt(time) {
    // The sentence that started last stays highlighted through the pause after it.
    var lo = 0, hi = cues.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (cues[mid].start <= time + 0.0005) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  // ---- following the voice

  var currentCue = -1;
  var currentChapter = -1;
  var lastReading = 0;  // when the user last scrolled or moved in the transcript
  var READING_GRACE_MS = 5000;

  function transcriptScrolls() {
    var style = window.getComputedStyle(transcript);
    return /(auto|scroll)/.test(style.overflowY) && transcript.scrollHeight > transcript.clientHeight;
  }

  function scrollCueIntoView(el) {
    var behavior = reducedMotion.matches ? "auto" : "smooth";
    var box = transcript;
    if (transcriptScrolls()) {
      var top = el.offsetTop, bottom = top + el.offsetHeight;
      var viewTop = box.scrollTop, viewBottom = viewTop + box.clientHeight;
      if (top < viewTop + 16 || bottom > viewBottom - 16) {
        box.scrollTo({ top: Math.max(0, top - box.clientHeight / 3), behavior: behavior });
      }
    } else {
      var rect = el.getBoundingClientRect();
      if (rect.top < 0 || rect.bottom > window.innerHeight) {
        el.scrollIntoView({ block: "nearest", behavior: behavior });
      }
    }
  }

  function showCue(index) {
    if (index === currentCue) { return; }
    if (currentCue >= 0) {
      cues[currentCue].el.classList.remove("is-current");
      cues[currentCue].el.removeAttribute("aria-current");
    }
    currentCue = index;
    if (index < 0) { return; }
    var el = cues[index].el;
    el.classList.add("is-current");
    el.setAttribute("aria-current", "true");
    var focusInTranscript = transcript.contains(document.activeElement);
    if (!focusInTranscript) { setRoving(index); }  // Tab into the transcript lands here
    var reading = focusInTranscript || Date.now() - lastReading < READING_GRACE_MS;
    // While paused (a chapter chosen, a seek) only the transcript's own box may scroll: moving
    // the page would take the control the user just pressed out of view.
    if (follow.checked && !reading && (!audio.paused || transcriptScrolls())) { scrollCueIntoView(el); }
  }

  // The word being read, inside the current sentence: underlined (not colour alone), no animation.
  var currentWord = null;
  function showWord(index, time) {
    var found = null;
    if (index >= 0 && markWords && markWords.checked) {
      var words = cues[index].words;
      for (var i = 0; i < words.length && words[i].start <= time + 0.0005; i++) { found = words[i].el; }
    }
    if (found === currentWord) { return; }
    if (currentWord) { currentWord.classList.remove("is-spoken"); }
    currentWord = found;
    if (found) { found.classList.add("is-spoken"); }
  }

  function showChapter(index, fromPlayback) {
    if (index === currentChapter) { return; }
    if (currentChapter >= 0) {
      chapters[currentChapter].button.removeAttribute("aria-current");
      chapters[currentChapter].now.hidden = true;
    }
    currentChapter = index;
    if (index < 0) { return; }
    chapters[index].button.setAttribute("aria-current", "true");
    chapters[index].now.hidden = false;
    if (fromPlayback && announce.checked && !audio.paused) {
      say("Chapter " + (index + 1) + " of " + chapters.length + ": " + chapters[index].title);
    }
  }

  function setText(el, text) { if (el.textContent !== text) { el.textContent = text; } }
  function setAttr(el, name, value) { if (el.getAttribute(name) !== value) { el.setAttribute(name, value); } }

  var dragging = false;
  function update(fromPlayback) {
    var time = audio.currentTime;
    var length = duration();
    if (!dragging) { seek.value = String(time); }
    setAttr(seek, "max", String(length));
    // A focused slider is re-read by screen readers whenever its text changes; while playing
    // that would be every second, so it speaks the new position only when the user moves it.
    if (!fromPlayback || audio.paused || document.activeElement !== seek) {
      setAttr(seek, "aria-valuetext", spoken(time) + " of " + spoken(length));
    }
    setText(elapsed, clock(time));
    setText(total, clock(Math.round(length)));
    showChapter(chapterAt(time), fromPlayback);
    if (cues.length) {
      showCue(cueAt(time));
      showWord(currentCue, time);
    }
  }

  // timeupdate fires about four times a second; while playing, an animation frame loop keeps
  // the highlight on the sentence actually being spoken.
  var frame = 0;
  function tick() {
    update(true);
    frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
  }

  // ---- actions

  function seekTo(time) {
    var length = duration();
    audio.currentTime = Math.max(0, length ? Math.min(time, length) : time);
    update(false);
  }

  // Where playback is, in words: "Chapter 3 of 7: Title, 1 minute 20 seconds" (lead "chapter")
  // or "1 minute 20 seconds, chapter 3 of 7: Title" (lead "time").
  function whereWords(time, lead) {
    var at = spoken(time);
    var i = chapterAt(time);
    if (i < 0) { return at; }
    var chapter = "chapter " + (i + 1) + " of " + chapters.length + ": " + chapters[i].title;
    if (lead === "chapter") { return "C" + chapter.slice(1) + ", " + at; }
    return at + ", " + chapter;
  }

  // Every jump the user asks for (a chapter, back or forward, a sentence) says where it landed,
  // once: seekTo marks the new chapter current before the next playback update, so the chapter
  // change announcement (which only playback crossing a chapter makes) stays silent.
  function jumpTo(time, lead) {
    seekTo(time);
    say(whereWords(audio.currentTime, lead));
  }

  function togglePlay() {
    if (audio.paused || audio.ended) {
      var started = audio.play();
      if (started && started.catch) {
        started.catch(function () { say("The audio could not start. Try the download link."); });
      }
    } else {
      audio.pause();
    }
  }

  function previousChapter() {
    var i = chapterAt(audio.currentTime);
    // Like a CD player: first back to the start of this chapter, then to the one before.
    if (i > 0 && audio.currentTime - chapters[i].start < 3) { i -= 1; }
    if (i >= 0) { jumpTo(chapters[i].start, "chapter"); }
  }

  function nextChapter() {
    var i = chapterAt(audio.currentTime);
    if (i + 1 < chapters.length) { jumpTo(chapters[i + 1].start, "chapter"); }
  }

  var RATES = Array.prototype.map.call(speed.options, function (o) { return o.value; });
  function setRate(value) {
    var rate = parseFloat(value);
    if (!(rate > 0)) { return; }
    audio.playbackRate = rate;
    audio.defaultPlaybackRate = rate;
    speed.value = String(value);
    store.set("speed", value);
  }
  function stepRate(direction) {
    var i = RATES.indexOf(speed.value);
    var next = RATES[Math.max(0, Math.min(RATES.length - 1, i + direction))];
    if (next && next !== speed.value) { setRate(next); say("Speed " + next + " times"); }
  }

  function toggleMute() { audio.muted = !audio.muted; }

  // ---- where the listener stopped, per episode revision, so a return visit can resume

  var episodeKey = "position." + (section.getAttribute("data-episode") || location.pathname);
  var resumeRow = controls.querySelector("[data-resume-row]");
  var savedAt = 0;
  function savePosition(force) {
    var now = Date.now();
    if (!force && now - savedAt < 5000) { return; }
    savedAt = now;
    var t = audio.currentTime;
    store.set(episodeKey, t > 10 && t < duration() - 10 ? t.toFixed(1) : "");
  }
  var resumeAt = parseFloat(store.get(episodeKey) || "");
  if (resumeAt > 10 && resumeAt < duration() - 10) {
    resumeRow.hidden = false;
    resumeRow.querySelector("[data-resume-time]").textContent = clock(resumeAt);
  }
  function resume() {
    resumeRow.hidden = true;
    jumpTo(resumeAt, "time");
    if (audio.paused) { togglePlay(); }
    playButton.focus();  // the button is gone; focus goes to the control that now matters
  }

  var actions = {
    "play": togglePlay,
    "resume": resume,
    "back": function () { jumpTo(audio.currentTime - 15, "time"); },
    "forward": function () { jumpTo(audio.currentTime + 30, "time"); },
    "previous-chapter": previousChapter,
    "next-chapter": nextChapter,
    "mute": toggleMute
  };
  document.querySelectorAll("[data-action]").forEach(function (button) {
    var action = actions[button.getAttribute("data-action")];
    button.addEventListener("click", function () { action(); });
  });

  seek.addEventListener("pointerdown", function () { dragging = true; });
  ["pointerup", "pointercancel", "change", "blur"].forEach(function (type) {
    seek.addEventListener(type, function () { dragging = false; });
  });
  seek.addEventListener("input", function () { seekTo(parseFloat(seek.value)); });
  seek.addEventListener("keydown", function (event) {
    // Arrow keys move 5 s and Page keys 30 s: the native 1-second steps are too fine to hear.
    var steps = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -30, PageUp: 30 };
    if (event.key in steps && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      seekTo(audio.currentTime + steps[event.key]);
    }
  });

  speed.addEventListener("change", function () { setRate(speed.value); });
  volume.addEventListener("input", function () {
    audio.volume = parseInt(volume.value, 10) / 100;
    if (audio.muted && audio.volume > 0) { audio.muted = false; }
  });

  follow.checked = store.get("follow") !== "off";
  follow.addEventListener("change", function () {
    store.set("follow", follow.checked ? "on" : "off");
    if (follow.checked && currentCue >= 0 && !audio.paused) { scrollCueIntoView(cues[currentCue].el); }
  });
  if (markWords) {
    markWords.checked = store.get("mark-words") !== "off";
    markWords.addEventListener("change", function () {
      store.set("mark-words", markWords.checked ? "on" : "off");
      update(false);
    });
  }
  announce.checked = store.get("announce") === "on";
  announce.addEventListener("change", function () { store.set("announce", announce.checked ? "on" : "off"); });

  // ---- media events keep every control truthful, whatever started the change

  function showPlaying() {
    var playing = !audio.paused && !audio.ended;
    playButton.classList.toggle("is-playing", playing);
    playLabel.textContent = playing ? "Pause" : "Play";
  }
  audio.addEventListener("play", function () {
    showPlaying();
    if (!frame) { frame = window.requestAnimationFrame(tick); }
  });
  audio.addEventListener("pause", function () { showPlaying(); savePosition(true); });
  audio.addEventListener("ended", function () { showPlaying(); store.set(episodeKey, ""); });
  audio.addEventListener("timeupdate", function () { if (!audio.paused) { savePosition(false); } });
  audio.addEventListener("seeked", function () { savePosition(true); });
  audio.addEventListener("error", function () {
    say("The audio could not be loaded. Try the download link below.");
  });
  ["timeupdate", "seeked", "loadedmetadata", "durationchange"].forEach(function (type) {
    audio.addEventListener(type, function () { update(type === "timeupdate"); });
  });
  audio.addEventListener("ratechange", function () {
    var value = String(audio.playbackRate);
    if (RATES.indexOf(value) >= 0) { speed.value = value; }
  });
  audio.addEventListener("volumechange", function () {
    muteButton.setAttribute("aria-pressed", audio.muted ? "true" : "false");
    volume.value = String(Math.round(audio.volume * 100));
    volume.setAttribute("aria-valuetext", Math.round(audio.volume * 100) + "%" + (audio.muted ? ", muted" : ""));
  });

  // ---- system media controls (keyboard media keys, lock screen, headset buttons)

  if ("mediaSession" in navigator && window.MediaMetadata) {
    try {
      navigator.mediaSession.metadata = new window.MediaMetadata({
        title: section.getAttribute("data-title") || document.title,
        artist: section.getAttribute("data-artist") || ""
      });
      var handlers = {
        play: function () { audio.play(); },
        pause: function () { audio.pause(); },
        seekbackward: actions.back,
        seekforward: actions.forward,
        previoustrack: previousChapter,
        nexttrack: nextChapter,
        seekto: function (details) { seekTo(details.seekTime); }
      };
      Object.keys(handlers).forEach(function (name) {
        try { navigator.mediaSession.setActionHandler(name, handlers[name]); } catch (e) { /* unsupported */ }
      });
    } catch (e) { /* media session is a nicety */ }
  }

  var savedRate = store.get("speed");
  if (savedRate && RATES.indexOf(savedRate) >= 0) { setRate(savedRate); }
  showPlaying();
  update(false);

  // ---- keyboard shortcuts, only while focus is in the player, chapters or transcript

  var NATIVE_SPACE = /^(BUTTON|A|SELECT|SUMMARY|TEXTAREA)$/;
  function onShortcut(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || target.isContentEditable) { return; }
    if (tag === "INPUT" && !/^(range|checkbox)$/.test(target.type)) { return; }
    if (tag === "SELECT" && event.key.length === 1 && event.key !== "<" && event.key !== ">") {
      return;  // letters choose options in a list box
    }
    var key = event.key;
    var run = {
      "k": togglePlay, "K": togglePlay,
      "j": actions.back, "J": actions.back,
      "l": actions.forward, "L": actions.forward,
      "[": previousChapter, "]": nextChapter,
      "<": function () { stepRate(-1); }, ">": function () { stepRate(1); },
      "m": toggleMute, "M": toggleMute
    }[key];
    if (key === " " && !NATIVE_SPACE.test(tag) && !(tag === "INPUT" && target.type === "checkbox")) {
      run = togglePlay;
    }
    if (run) {
      event.preventDefault();
      run();
    }
  }
  document.querySelectorAll("[data-scope]").forEach(function (scope) {
    scope.addEventListener("keydown", onShortcut);
  });
})();
