// Progressive enhancement of the chat page: answers go to the JSON API without reloading the page.
// Without JavaScript the same form posts to /chat/form and the page reloads.
(function () {
  "use strict";
  var transcript = document.getElementById("transcript");
  var form = document.getElementById("answer");
  if (!transcript || !form || !window.fetch) { return; }
  var conversation = transcript.getAttribute("data-conversation");
  var pending = null;
  // The question on screen goes with its answer, so an answer sent again (a retry after a lost response) is
  // re-asked by the service instead of being taken as the answer to the next question.
  var asking = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function say(text, who, isError) {
    var li = el("li", "msg " + who + (isError ? " error" : ""));
    var hidden = el("span", "visually-hidden", who === "bot" ? "Bot: " : "You: ");
    li.appendChild(hidden);
    li.appendChild(document.createTextNode(text));
    transcript.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  // Where the person is ("About the child, step 3 of 6"), above the answer.
  var progress = document.getElementById("progress");

  function render(reply) {
    form.innerHTML = "";
    asking = reply.question_id || null;
    if (progress) { progress.textContent = (reply.hints && reply.hints.progress) || ""; }
    if (reply.input === "choice") {
      var fs = el("fieldset");
      fs.appendChild(el("legend", "visually-hidden", reply.text));
      reply.choices.forEach(function (c) {
        var b = el("button", "choice", c.label);
        b.type = "button";
        b.addEventListener("click", function () { send({ choice: c.value }, c.label); });
        fs.appendChild(b);
      });
      form.appendChild(fs);
      typed(reply);
      var first = fs.querySelector("button");
      if (first) { first.focus(); }
    } else if (reply.input === "multi") {
      var box = el("fieldset");
      box.appendChild(el("legend", "visually-hidden", reply.text));
      reply.choices.forEach(function (c, i) {
        // "None of these" and "Look through all the signs by area" stand apart from the list they answer.
        var apart = c.value === "none" || c.value === "browse";
        var row = el("div", apart ? "check apart" : "check");
        var input = el("input"); input.type = "checkbox"; input.id = "c" + i; input.value = c.value;
        var label = el("label", null, c.label); label.htmlFor = input.id;
        row.appendChild(input); row.appendChild(label); box.appendChild(row);
        // "None of these" clears the ticks above it, and a tick above clears "None of these".
        input.addEventListener("change", function () {
          if (!input.checked) { return; }
          box.querySelectorAll("input:checked").forEach(function (other) {
            if (other !== input && (c.value === "none" || other.value === "none")) { other.checked = false; }
          });
        });
      });
      form.appendChild(box);
      var go = el("button", "primary", "Continue"); go.type = "submit"; form.appendChild(go);
      typed(reply);
      form.onsubmit = function (ev) {
        ev.preventDefault();
        var words = document.getElementById("text");
        if (words && words.value.trim()) { send({ text: words.value }, words.value); return; }
        var picked = [], labels = [];
        box.querySelectorAll("input:checked").forEach(function (i) {
          picked.push(i.value); labels.push(i.nextSibling.textContent);
        });
        send({ choices: picked }, labels.length ? labels.join("; ") : "None of these");
      };
      var firstBox = box.querySelector("input");
      if (firstBox) { firstBox.focus(); }
      return;
    } else if (reply.input !== "none") {
      var long = !!(reply.hints && reply.hints.kind === "text" && reply.hints.max_length > 300);
      var label2 = el("label", "visually-hidden", "Your answer"); label2.htmlFor = "text";
      var field = el(long ? "textarea" : "input");
      field.id = "text"; field.name = "text";
      if (long) { field.rows = 5; } else { field.type = "text"; field.autocomplete = "off"; }
      if (reply.input === "date") { field.placeholder = "dd/mm/yyyy"; field.inputMode = "numeric"; }
      form.appendChild(label2); form.appendChild(field);
      var send2 = el("button", "primary", "Send"); send2.type = "submit"; form.appendChild(send2);
      field.focus();
    }
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var f = document.getElementById("text");
      // Beside buttons an empty box sends nothing; a question asked in words gets its answer checked as it is.
      if (f && (reply.input !== "choice" || f.value.trim())) { send({ text: f.value }, f.value); }
    };
  }

  // Under buttons or ticks, a box for the words the bot offers everywhere ('help', 'back', 'change 3' at the
  // review, 'cancel'); without it a person looking at buttons could not reach them.
  function typed(reply) {
    var row = el("div", "typed");
    var review = reply.hints && reply.hints.kind === "review";
    var label = el("label", null, review ? "To change an answer, type 'change' and its number, for example change 3"
      : "Or type instead, for example help or back"); label.htmlFor = "text";
    var field = el("input"); field.id = "text"; field.name = "text"; field.type = "text"; field.autocomplete = "off";
    var go = el("button", "choice", "Send"); go.type = "submit";
    row.appendChild(label); row.appendChild(field); row.appendChild(go);
    form.appendChild(row);
  }

  // An answer is kept until the service has saved it: on an outage it is re-sent on its own, so nobody retypes.
  var RETRY_MS = 5000, MAX_TRIES = 24;

  function send(body, shown) {
    if (pending) { return; }
    say(shown, "person");
    if (asking) { body.question_id = asking; }
    pending = body;
    deliver(1);
  }

  function deliver(attempt) {
    fetch("/chat/conversations/" + encodeURIComponent(conversation) + "/messages", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify(pending)
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (res.status === 503 || res.status === 429) { return retry(attempt, res.data.error); }
      pending = null;
      if (res.status !== 200) { say(res.data.error || "Something went wrong. Please try again.", "bot", true); return; }
      res.data.replies.forEach(function (r) { say(r.text, "bot", !!r.error); });
      if (res.data.done) {
        form.innerHTML = "";
        var again = el("a", null, "Raise another concern"); again.href = "/"; form.appendChild(again);
        again.focus();
        return;
      }
      render(res.data.replies[res.data.replies.length - 1]);
    }).catch(function () {
      retry(attempt, "We could not reach the service.");
    });
  }

  function retry(attempt, why) {
    if (attempt >= MAX_TRIES) {
      pending = null;
      say(why + " Your earlier answers are saved. Please send this answer again.", "bot", true);
      return;
    }
    if (attempt === 1) {
      say(why + " Your answer is kept and will be sent again automatically. If a child is in immediate danger, " +
          "call 999 now.", "bot", true);
    }
    window.setTimeout(function () { deliver(attempt + 1); }, RETRY_MS);
  }

  var initial = JSON.parse(document.getElementById("last-reply").textContent);
  render(initial);
})();
