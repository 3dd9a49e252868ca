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
    a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible {
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
    .field.has-error input, .field.has-error textarea { border-color: var(--warn); }
    .error { color: var(--warn); margin: 0 0 0.35rem; font-size: 0.95rem; }
    .form-error { background: var(--warn-bg); color: var(--warn); border-radius: 10px; padding: 0.6rem 0.9rem; }
    .form-error p { margin: 0.2rem 0; }
    .notice { background: var(--ok-bg); border-radius: 10px; padding: 0.75rem 1rem; }
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
    ol.steps li { margin: 0.3rem 0; }
    @media (min-width: 48rem) {
      main { padding-top: 2.5rem; }
      h1 { font-size: 2rem; }
    }
    """
}
