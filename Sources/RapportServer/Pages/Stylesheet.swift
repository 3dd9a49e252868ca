/// The one stylesheet, served by Rapport itself (no third-party fonts or CDNs, ever). Phone-first: one column,
/// large tap targets, system fonts; wider screens just get more margin.
enum Stylesheet {
    static let css = """
    :root {
      --ink: #1f2a30; --muted: #55646c; --paper: #f7f5f1; --card: #ffffff; --line: #dcd6cc;
      --accent: #2f6f6a; --accent-ink: #ffffff; --warn-bg: #fbeeea; --warn: #8a2f1d; --ok-bg: #e8f3ef;
      color-scheme: light;
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; background: var(--paper); color: var(--ink);
      font: 17px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, .table-scroll:focus-visible {
      outline: 3px solid #8cc1bb; outline-offset: 2px; }
    header.top { display: flex; align-items: center; justify-content: space-between; gap: 1rem;
      padding: 0.75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
    .brand { font-weight: 650; letter-spacing: 0.02em; text-decoration: none; color: var(--ink); font-size: 1.1rem; }
    main { max-width: 40rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
    footer.bottom { max-width: 40rem; margin: 0 auto; padding: 0 1rem 2rem; color: var(--muted); font-size: 0.85rem; }
    h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 0.75rem; font-weight: 650; }
    h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; }
    p.lead { color: var(--muted); margin-top: 0; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 1rem 1.1rem; margin: 0.75rem 0; }
    .card h2 { margin-top: 0.25rem; }
    ul.plain.card { padding: 0 1rem; margin: 0.75rem 0 1.25rem; }
    ol.steps code.secret { margin-top: 0.5rem; }
    .stack { display: flex; flex-direction: column; gap: 1rem; }
    .field label { display: block; font-weight: 600; margin-bottom: 0.3rem; }
    .field .hint { margin: 0 0 0.35rem; color: var(--muted); font-size: 0.92rem; }
    .field input, .field textarea { width: 100%; font: inherit; padding: 0.7rem 0.8rem; min-height: 48px;
      border: 1px solid #b9b2a6; border-radius: 10px; background: #fff; color: var(--ink); }
    .field textarea { min-height: 9rem; resize: vertical; }
    .field textarea[rows="2"], .field textarea[rows="3"] { min-height: 4.5rem; }
    .field.has-error input, .field.has-error textarea { border-color: var(--warn); }
    .error { color: var(--warn); margin: 0 0 0.35rem; font-size: 0.95rem; }
    .form-error { background: var(--warn-bg); color: var(--warn); border-radius: 10px; padding: 0.6rem 0.9rem; }
    .form-error p { margin: 0.2rem 0; }
    .notice { background: var(--ok-bg); border-radius: 10px; padding: 0.75rem 1rem; }
    /* Words to carry read as something kept: larger, quieter, a line down the side. */
    .words p.carry, .words blockquote p { font-size: 1.1rem; margin: 0.3rem 0; }
    .words blockquote { margin: 0.5rem 0; padding-left: 0.9rem; border-left: 3px solid var(--accent); }
    .card.words.pinned { border-color: var(--accent); }
    /* A thread reads like a conversation: one's own words to the right, the other side's to the left. */
    ol.thread { list-style: none; padding: 0; margin: 1rem 0; display: flex; flex-direction: column; gap: 0.75rem; }
    ol.thread .message { max-width: 85%; border-radius: 14px; padding: 0.6rem 0.9rem; border: 1px solid var(--line); }
    ol.thread .message.theirs { align-self: flex-start; background: var(--card); }
    ol.thread .message.mine { align-self: flex-end; background: var(--ok-bg); }
    ol.thread .message-meta { margin: 0 0 0.2rem; font-size: 0.9rem; }
    ol.thread .message-body p { margin: 0.25rem 0; overflow-wrap: anywhere; }
    .warning { background: var(--warn-bg); color: var(--warn); border-radius: 10px; padding: 0.6rem 0.9rem; }
    ol.recovery-codes { list-style: none; padding: 0; margin: 0.75rem 0; display: grid;
      grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.4rem 1rem; }
    ol.recovery-codes code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 1.1rem;
      letter-spacing: 0.04em; white-space: nowrap; }
    a.button { display: inline-flex; align-items: center; min-height: 48px; padding: 0.7rem 1.2rem; border-radius: 10px;
      font-weight: 600; text-decoration: none; }
    a.button.primary { background: var(--accent); color: var(--accent-ink); }
    /* A rare step, beside the name rather than under it, and quieter than the list's own links. */
    li.therapist { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0 1rem; }
    li.therapist p { margin: 0.85rem 0; }
    ul.plain .therapist-actions a { display: inline-flex; align-items: center; min-height: 44px; padding: 0; font-weight: 400;
      font-size: 0.95rem; }
    button.primary { font: inherit; font-weight: 600; min-height: 48px; padding: 0.7rem 1.2rem; border: 0;
      border-radius: 10px; background: var(--accent); color: var(--accent-ink); cursor: pointer; }
    button.primary:hover { filter: brightness(1.08); }
    .link-button { font: inherit; background: none; border: 0; color: var(--accent); text-decoration: underline;
      cursor: pointer; padding: 0.5rem; min-height: 44px; }
    form.signout, form.inline { margin: 0; }
    ul.plain { list-style: none; padding: 0; margin: 0; }
    ul.plain li { border-bottom: 1px solid var(--line); }
    ul.plain li:last-child { border-bottom: 0; }
    ul.plain a { display: block; padding: 0.85rem 0.2rem; text-decoration: none; font-weight: 600; min-height: 48px; }
    .note { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 0.9rem 1rem; margin: 0.75rem 0; }
    .note .meta { color: var(--muted); font-size: 0.85rem; margin: 0 0 0.35rem; }
    .note-body { white-space: pre-wrap; margin: 0; overflow-wrap: anywhere; }
    .private { border-left: 4px solid #a58c5f; }
    code.secret, .link-out { display: block; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 1.05rem; background: #fff; border: 1px dashed #b9b2a6; border-radius: 10px; padding: 0.75rem;
      overflow-wrap: anywhere; word-break: break-all; }
    .muted { color: var(--muted); }
    #unsaved-text textarea { width: 100%; font: inherit; padding: 0.7rem; border: 1px solid #b9b2a6; border-radius: 10px; }
    ol.steps { padding-left: 1.2rem; }
    .qr { margin: 0.6rem 0; }
    .qr svg { display: block; width: 100%; max-width: 20rem; height: auto; border-radius: 8px; }
    ol.steps li { margin: 0.3rem 0; }
    fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
    progress { width: 100%; height: 0.6rem; accent-color: var(--accent); margin-bottom: 1rem; }
    .progress-label { color: var(--muted); margin: 0.25rem 0; font-size: 0.95rem; }
    .prompt { color: var(--muted); margin: 0.5rem 0; }
    legend.question { font-size: 1.3rem; font-weight: 600; line-height: 1.35; margin: 0.5rem 0 1rem; padding: 0; }
    .answers { display: flex; flex-direction: column; gap: 0.6rem; }
    button.answer { font: inherit; min-height: 56px; padding: 0.8rem 1rem; border: 1px solid #b9b2a6; border-radius: 12px;
      background: var(--card); color: var(--ink); text-align: left; cursor: pointer; }
    button.answer:hover { border-color: var(--accent); }
    button.answer.chosen { border: 2px solid var(--accent); background: var(--ok-bg); font-weight: 600; }
    /* A 0–10 scale is one even row on a phone too (11 targets of at least 24 px, WCAG 2.5.8), so both end labels
       sit under their ends. */
    .scale { display: grid; grid-template-columns: repeat(11, minmax(0, 1fr)); gap: 0.2rem; }
    button.answer.point { text-align: center; padding: 0.6rem 0; min-height: 52px; min-width: 24px; font-weight: 600; }
    .scale-labels { display: flex; justify-content: space-between; color: var(--muted); font-size: 0.9rem; margin-top: 0.4rem; }
    .check-in-nav { display: flex; justify-content: space-between; gap: 1rem; margin: 1.5rem 0 0.5rem; }
    .check-in-nav a { padding: 0.5rem 0; }
    .support { border-left: 4px solid var(--accent); }
    .support p { margin: 0.4rem 0; }
    /* A safety plan is read in a hard moment: short headings, the client's lines close under them. */
    .safety-plan h3 { font-size: 1rem; margin: 0.9rem 0 0.15rem; }
    .safety-plan h3:first-child { margin-top: 0.2rem; }
    .safety-plan p { margin: 0.1rem 0; }
    details.safety-plan-summary { border-left: 4px solid var(--accent); }
    details.safety-plan-summary summary { font-weight: 600; cursor: pointer; min-height: 44px; display: flex; align-items: center; }
    details.safety-plan-summary .safety-plan { border: 0; padding: 0; margin: 0.25rem 0; background: none; }
    .alert { border: 2px solid var(--warn); background: var(--warn-bg); }
    .alert h2 { color: var(--warn); }
    .alert ul { margin: 0.25rem 0 0.75rem; padding-left: 1.2rem; }
    nav.filters ul { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem; }
    nav.filters a { display: inline-flex; align-items: center; min-height: 44px; padding: 0 0.9rem; border: 1px solid var(--line);
                    border-radius: 999px; background: var(--card); text-decoration: none; }
    nav.filters a[aria-current] { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
    ul.caseload > li { padding: 0.75rem 0; }
    ul.caseload > li.need-risk { border-left: 4px solid var(--warn); padding-left: 0.75rem; }
    ul.caseload > li.need-not-on-track, ul.caseload > li.need-rupture { border-left: 4px solid #b7791f; padding-left: 0.75rem; }
    ul.needs { list-style: none; padding: 0; margin: 0.35rem 0 0; font-size: 0.95rem; }
    ul.needs li { border: 0; padding: 0.1rem 0; }
    p.next { margin: 0.25rem 0 0; font-size: 0.9rem; }
    figure.chart { margin: 0 0 1.5rem; }
    @media (min-width: 90rem) { .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.5rem; } }
    figure.chart svg { width: 100%; height: auto; display: block; }
    figure.chart figcaption p { margin: 0.35rem 0; }
    ul.legend { list-style: none; padding: 0; margin: 0.35rem 0 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; font-size: 0.9rem;
                color: var(--muted); }
    ul.legend li { display: flex; align-items: center; border: 0; }
    .swatch { display: inline-block; width: 14px; height: 10px; margin-right: 0.35rem; border-radius: 2px; }
    .swatch.score { background: #2f6f6a; height: 4px; }
    .swatch.expected { background: #dbe6f2; border-top: 2px dashed #4a6d94; }
    .swatch.off-track { background: #8a2f1d; width: 10px; border-radius: 50%; }
    .swatch.cutoff { height: 0; border-top: 2px dashed #8a2f1d; border-radius: 0; }
    .swatch.possible { width: 8px; height: 8px; border: 2px solid #b7791f; transform: rotate(45deg); border-radius: 0; }
    .swatch.rupture { width: 9px; height: 9px; background: #b7791f; transform: rotate(45deg); border-radius: 0; }
    .swatch.repair { width: 10px; background: #2f6f6a; border-radius: 50%; }
    .swatch.attended { background: #2f6f6a; }
    .swatch.late { background: #b7791f; }
    .swatch.cancelled-late { background: #c2562f; }
    .swatch.did-not-attend { background: #8a2f1d; }
    .swatch.cancelled { background: #b9b2a6; }
    .swatch.unrecorded { background: #fff; border: 1px solid #55646c; }
    #attention.attention { border-left: 4px solid #b7791f; }
    #attention h2 { margin-top: 0; }
    ol.timeline { list-style: none; padding: 0; margin: 0; }
    ol.timeline li { padding: 0.5rem 0; border-bottom: 1px solid var(--line); }
    ol.timeline li p { margin: 0.2rem 0; }
    .note-preview { font-size: 0.92rem; }
    .badge { display: inline-block; font-size: 0.8rem; font-weight: 600; border-radius: 999px; padding: 0.05rem 0.55rem; margin-left: 0.4rem; }
    .badge.risk { background: var(--warn-bg); color: var(--warn); border: 1px solid var(--warn); }
    .table-scroll { overflow-x: auto; }
    form.range-form { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.5rem 0.9rem; margin-bottom: 1.25rem; }
    form.range-form label { margin: 0; }
    form.range-form .form-error { flex-basis: 100%; }
    section.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: 0.75rem; margin-bottom: 1.25rem; }
    figure#outcomes-chart svg { max-width: 36rem; }
    .tile { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 0.75rem 0.9rem; }
    .tile p { margin: 0; }
    .tile-label { font-size: 0.9rem; color: var(--muted); }
    .tile-value { font-size: 1.5rem; font-weight: 600; }
    .tile-note { font-size: 0.85rem; color: var(--muted); }
    table.outcomes th, table.outcomes td { white-space: nowrap; }
    table.outcomes tr.practice-line { font-weight: 600; }
    .swatch.reliable-improvement { background: #2f6f6a; }
    .swatch.reliable-recovery { background: #4a6d94; }
    .swatch.reliable-deterioration { background: #8a2f1d; }
    table.scores { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 12px; }
    table.scores th, table.scores td { text-align: left; padding: 0.5rem 0.7rem; border-bottom: 1px solid var(--line); }
    @media (max-width: 30rem) {
      /* On a phone the scores fit their card: smaller cells that wrap, so nothing has to scroll sideways. */
      table.scores { font-size: 0.92rem; }
      table.scores th, table.scores td { padding: 0.45rem 0.4rem; }
    }
    table.scores td.score { font-weight: 650; font-variant-numeric: tabular-nums; }
    p.change { margin: 0.5rem 0; }
    ul.check-in-plan li { padding: 0.7rem 0.2rem; }
    ul.check-in-plan .state { color: var(--muted); }
    ul.check-in-plan li.state-overdue .state, ul.check-in-plan li.state-due .state { color: var(--warn); font-weight: 600; }
    ul.check-in-plan a.room-link { display: block; padding: 0.3rem 0 0; min-height: 0; font-weight: 500; }
    .feedback.concern { border-left: 4px solid #c0843a; }
    .feedback .flag { color: #8a5a1d; font-weight: 600; }
    blockquote.comment { margin: 0.5rem 0 0; padding-left: 0.8rem; border-left: 3px solid var(--line); white-space: pre-wrap; overflow-wrap: anywhere; }
    .room-item { margin: 0.5rem 0 1rem; }
    .room-item legend { font-weight: 600; margin-bottom: 0.4rem; }
    .room-options { display: flex; flex-wrap: wrap; gap: 0.5rem; }
    /* In the room a therapist taps on a tablet or phone: each choice is a touch-sized target, not a bare radio. */
    .room-options label.room-option { border: 1px solid #b9b2a6; border-radius: 10px; padding: 0.35rem 0.8rem; background: var(--card);
      min-height: 48px; cursor: pointer; }
    .room-options label.room-option:has(input:checked) { border: 2px solid var(--accent); background: var(--ok-bg); font-weight: 600; }
    label.room-option input[type=radio], label.room-option input[type=checkbox] { width: 1.25rem; height: 1.25rem; accent-color: var(--accent); }
    .room-item input[type=number] { font: inherit; min-height: 48px; padding: 0.5rem 0.7rem; border-radius: 10px; border: 1px solid #b9b2a6; }
    label.room-option { display: inline-flex; align-items: center; gap: 0.4rem; min-height: 44px; }
    .measures label.room-option { display: flex; }
    .licence p { font-size: 0.9rem; }
    .field select { font: inherit; padding: 0.6rem; min-height: 48px; border-radius: 10px; }
    .skip-link { position: absolute; left: -999px; top: 0.5rem; z-index: 10; background: var(--card); padding: 0.6rem 1rem;
      border-radius: 10px; border: 2px solid var(--accent); }
    .skip-link:focus { left: 1rem; }
    nav.site ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 0.25rem; }
    nav.site a { display: inline-flex; align-items: center; min-height: 44px; padding: 0.4rem 0.75rem; border-radius: 10px;
      text-decoration: none; font-weight: 600; color: var(--ink); }
    nav.site a[aria-current="page"] { background: var(--ok-bg); color: var(--accent); box-shadow: inset 0 -3px 0 var(--accent); }
    header.top nav.staff-nav { flex: 1; }
    /* A client's navigation sits at the bottom of a phone's screen, where a thumb reaches it. */
    nav.client-nav { position: fixed; left: 0; right: 0; bottom: 0; z-index: 5; background: var(--card);
      border-top: 1px solid var(--line); padding: 0.25rem 0.5rem calc(0.25rem + env(safe-area-inset-bottom)); }
    nav.client-nav ul { justify-content: space-around; gap: 0; }
    nav.client-nav li { flex: 1; display: flex; }
    /* Five places share a phone's width: each its own fifth, the words on one line. */
    nav.client-nav a { flex: 1; justify-content: center; flex-direction: column; min-height: 48px; padding: 0.5rem 0.1rem;
      font-size: 0.85rem; white-space: nowrap; }
    body.with-client-nav { padding-bottom: 4.5rem; }
    @media (max-width: 40rem) {
      header.top { flex-wrap: wrap; }
      header.top nav.staff-nav { order: 3; flex-basis: 100%; }
      /* An owner who sees clients has five places: two rows, every one in sight, rather than one that scrolls. */
      nav.staff-nav ul { flex-wrap: wrap; }
    }
    main.wide { max-width: 78rem; }
    main.wide:has(.pair) { max-width: 62rem; }
    @media (min-width: 56rem) {
      .pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 0 1.5rem; align-items: start; }
    }
    /* What happened to a session: a cancelled one is struck through and says so; a moved one says from when. */
    .session.cancelled strong { text-decoration: line-through; }
    p.status { margin: 0.2rem 0 0; font-weight: 600; color: var(--warn); }
    p.status.moved { color: var(--accent); }
    p.session-actions { margin: 0.1rem 0 0; }
    .copy { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; margin: 0.5rem 0; }
    .copy-status:empty { display: none; }
    button.secondary-button { font: inherit; font-weight: 600; min-height: 44px; padding: 0.5rem 1rem; border-radius: 10px;
                              border: 1px solid var(--accent); background: var(--card); color: var(--accent); cursor: pointer; }
    button.secondary-button[hidden] { display: none; }
    /* The reach-out page: the field only robots fill stays out of sight and out of reach. */
    .hp { position: absolute; left: -10000px; top: auto; width: 1px; height: 1px; overflow: hidden; }
    body.bare main { padding: 1rem; max-width: 40rem; }
    .card.enquiry.new { border-color: var(--accent); }
    .card.enquiry blockquote { margin: 0.5rem 0; padding-left: 0.9rem; border-left: 3px solid var(--accent); }
    pre { white-space: pre-wrap; word-break: break-all; background: #f7f5f1; padding: 0.6rem; border-radius: 8px; }
    /* Practice between sessions: the two taps, each big enough for a thumb. */
    .practice-choices { display: flex; flex-wrap: wrap; gap: 0.5rem; }
    .practice-choices button { flex: 1 1 7rem; min-height: 52px; }
    .practice-log fieldset, #feeling-form fieldset { margin-top: 0.75rem; }
    .practice-log legend, #feeling-form legend { font-weight: 600; margin-bottom: 0.4rem; padding: 0; }
    .card.practice.quiet { border-color: var(--warn); }
    p.flag { color: var(--warn); font-weight: 600; }
    ul.attempts li { padding: 0.4rem 0; border-top: 1px solid #eeeae3; }
    p.attempt-note { margin: 0.2rem 0 0; }
    .swatch.practice-did { background: #2f6f6a; }
    .swatch.practice-tried { background: #b7791f; }
    .swatch.practice-not { background: #fff; border: 1px solid #55646c; }
    .swatch.practice-nothing { background: #eeeae3; }
    .badge.withdrawal { background: #e6edf6; color: #24405f; }
    .access-log li { border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
    .access-log li p { margin: 0.1rem 0; }
    .access-log li.refused { border-left: 3px solid var(--warn); padding-left: 0.6rem; }
    .badge.refused { background: var(--warn-bg); color: var(--warn); border: 1px solid var(--warn); margin-left: 0; }
    .badge.confrontation { background: var(--warn-bg); color: var(--warn); }
    .actions { display: flex; gap: 0.75rem; flex-wrap: wrap; align-items: center; }
    /* Closed, its contents take no room: Chromium keeps laying them out under the following content, where
       accessibility checkers then find a button behind the text. */
    details:not([open]) > :not(summary) { display: none; }
    details > summary { cursor: pointer; min-height: 44px; display: flex; align-items: center; color: var(--accent); font-weight: 600; }
    .card.rupture.possible { border-left: 4px solid #b7791f; }
    .card.rupture.repaired { border-left: 4px solid var(--accent); }
    textarea.copy-buffer { position: fixed; top: 0; left: 0; width: 1px; height: 1px; opacity: 0; }
    @media (min-width: 64rem) {
      .record-grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 0 2.5rem; align-items: start; }
      .record-side h2:first-child, .record-main > section:first-child h2:first-child { margin-top: 0.5rem; }
    }
    @media (min-width: 48rem) {
      nav.client-nav { position: static; border: 0; padding: 0; background: none; flex: 1; }
      nav.client-nav ul { justify-content: flex-start; gap: 0.25rem; }
      nav.client-nav li { flex: none; }
      nav.client-nav a { flex-direction: row; }
      body.with-client-nav { padding-bottom: 0; }
      main { padding-top: 2.5rem; }
      h1 { font-size: 2rem; }
    }
    /* The practice's agreement: the text reads like a letter; the fingerprint wraps on a phone; paper gets the text and
       the signature only. */
    .consent-text h2 { margin-top: 1.5rem; }
    .consent-limit h3 { margin-bottom: 0.25rem; }
    .fingerprint code { word-break: break-all; }
    .consent-limit-fields { border-top: 1px solid var(--line); padding-top: 0.75rem; }
    @media print {
      header, nav, footer, .no-print, .signout { display: none !important; }
      main { padding: 0; max-width: none; }
      .card { border: none; box-shadow: none; padding: 0; }
    }
    """
}
