/* Draws the Vega-Lite charts of the knowledge pages (samhandling.insight.charts).
 *
 * A chart is a <div data-spec="ID"> and its spec a <script type="application/json" id="ID">
 * beside it (Django's json_script). vega-embed renders it with `ast: true`, so that Vega
 * evaluates expressions with vega-interpreter's expressionInterpreter (bundled in
 * vega-embed's build) and never with eval or new Function: the Content-Security-Policy has
 * no 'unsafe-eval'. vega-embed's and vega-tooltip's inline <style> elements are switched off
 * for the same reason (css/insight.css styles the tooltip). Without JavaScript, or if a chart
 * fails, the table under it still has every value.
 */
(function () {
  "use strict";

  var NORWEGIAN = {
    decimal: ",",
    thousands: "\u00a0",
    grouping: [3],
    currency: ["", "\u00a0kr"],
  };

  function options() {
    var language = (document.documentElement.lang || "").toLowerCase();
    var result = {
      ast: true,
      actions: false,
      renderer: "svg",
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
    };
    if (language === "nb" || language === "no" || language === "nn") {
      result.formatLocale = NORWEGIAN;
    }
    return result;
  }

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-spec"));
    if (!source || typeof window.vegaEmbed !== "function") {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    window.vegaEmbed(container, spec, options()).catch(function (error) {
      container.hidden = true;
      if (window.console) {
        window.console.error("chart not drawn", error);
      }
    });
  }

  function drawAll() {
    var containers = document.querySelectorAll("[data-spec]");
    for (var i = 0; i < containers.length; i += 1) {
      draw(containers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
