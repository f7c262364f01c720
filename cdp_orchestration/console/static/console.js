// Draws every chart of the page from its figure (JSON in a data attribute, escaped by the template), and submits
// the language form when a language is chosen. No inline script: the Content-Security-Policy allows none.
"use strict";

const locale = document.body.dataset.locale;
const config = {
  displaylogo: false,
  responsive: true,
  locale: locale,
  locales: { [locale]: JSON.parse(document.body.dataset.plotlyLocale) },
};
document.querySelectorAll("[data-figure]").forEach((element) => {
  const figure = JSON.parse(element.dataset.figure);
  Plotly.newPlot(element, figure.data, figure.layout, config).then(() => {
    element.dataset.drawn = "true";
  });
});

document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.requestSubmit());
});
document.querySelectorAll("[data-autosubmit-button]").forEach((button) => {
  button.hidden = true;
});
