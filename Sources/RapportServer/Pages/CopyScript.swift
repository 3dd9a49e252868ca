/// The one script Rapport serves, first-party (`/assets/copy.js`, allowed by `default-src 'self'`): copy buttons
/// beside links that have to be passed on (invitations, calendar addresses). It only adds: each button is
/// `hidden` in the HTML and shown by the script, so without it the page is whole and the link can be selected by
/// hand. Nothing is sent anywhere; the text goes to the clipboard of the person who pressed the button.
enum CopyScript {
    static let source = """
    "use strict";
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy-target"));
      var status = document.getElementById(button.getAttribute("data-copy-status"));
      if (!field) { return; }
      var label = button.textContent;
      button.hidden = false;
      function text() { return field.value !== undefined && field.tagName === "INPUT" ? field.value : (field.getAttribute("href") || field.textContent); }
      function done(ok) {
        button.textContent = ok ? "Copied" : label;
        if (status) { status.textContent = ok ? "The link is copied: paste it into your message." : "Copying didn't work here: select the link and copy it."; }
        window.setTimeout(function () { button.textContent = label; }, 2500);
      }
      function fallback() {
        var area = document.createElement("textarea");
        area.value = text();
        area.setAttribute("readonly", "");
        area.className = "copy-buffer";
        document.body.appendChild(area);
        area.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        document.body.removeChild(area);
        done(ok);
      }
      button.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text()).then(function () { done(true); }, fallback);
        } else {
          fallback();
        }
      });
    });
    """
}

import Plot

/// A copy button for the element with id `target`, and the polite status line that says it worked.
enum CopyButton {
    static func node(target: String, label: String = "Copy link") -> Node<HTML.BodyContext> {
        .div(.class("copy"),
             .button(.type(.button), .class("secondary-button"), .attribute(named: "hidden", value: "hidden"),
                     .attribute(named: "data-copy-target", value: target), .attribute(named: "data-copy-status", value: "\(target)-copied"),
                     .plain(label)),
             .p(.class("hint copy-status"), .id("\(target)-copied"), .attribute(named: "role", value: "status")))
    }
}
