// The math of every page, typeset by the KaTeX the site serves (docs/hooks/site.py): pymdownx.arithmatex
// (generic mode) leaves each formula as \( ... \) or \[ ... \] in an element of class "arithmatex";
// a heading's formula is plain text again in the table of contents.
document$.subscribe(({ body }) => {
  for (const element of body.querySelectorAll(".arithmatex, .md-nav--secondary .md-nav__link")) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  }
});
