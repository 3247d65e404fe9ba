/* dipkg web page: a SPARQL editor with the stored queries, a who-met-whom network and a meeting
 * timeline, all read from the SPARQL endpoint named in /config.json. Plain browser JavaScript, nothing
 * fetched from outside the server. The page's own queries live in sparql/*.rq beside this file.
 *
 * URL parameters keep the page's state, so a view can be linked (and tested without clicks):
 *   country=MN        meetings with a participant from, or held in, that country (ISO alpha-2)
 *   issue=north-korea meetings that discussed that issue or a narrower one (id or IRI)
 *   person=SLUG|IRI   show a person's meetings with their evidence sentences
 *   meeting=ID|IRI    show a meeting with its evidence sentences
 *   query=NAME, p.NAME=VALUE, sparql=TEXT, run=1   fill (and run) the SPARQL editor
 */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const PAGE_QUERIES = [
    "meetings",
    "participants",
    "persons",
    "met-with",
    "countries",
    "issues",
    "discussed",
    "evidence",
  ];
  const GRAPH_QUERIES = PAGE_QUERIES.filter((name) => name !== "evidence"); // evidence is asked for on demand
  const PALETTE = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f6000", "#b03a78"];

  const state = {
    config: null,
    prefixes: {},
    queries: {}, // the page's own SPARQL, by name
    model: null,
    evidence: new Map(), // meeting IRI -> Promise of evidence rows
    colours: new Map(), // country code -> colour
  };

  // ---------------------------------------------------------------------------------------- helpers
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    setAttributes(node, attributes);
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttributes(node, attributes);
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function setAttributes(node, attributes) {
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
  }

  /** An IRI shortened with the longest matching prefix of config.json (display only). */
  function shorten(iri) {
    let best = "";
    let name = "";
    for (const [prefix, namespace] of Object.entries(state.prefixes)) {
      if (iri.startsWith(namespace) && namespace.length > best.length) {
        best = namespace;
        name = prefix;
      }
    }
    return best ? `${name}:${iri.slice(best.length)}` : iri;
  }

  /** The part of an IRI after a namespace of config.json, or the IRI itself. */
  function idIn(iri, namespace) {
    return namespace && iri.startsWith(namespace) ? iri.slice(namespace.length) : iri;
  }

  function localName(iri) {
    return iri.replace(/^.*[#/]/, "");
  }

  function sortedBy(items, key) {
    return [...items].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }

  function setStatus(text, kind) {
    document.getElementById("status").textContent = text;
    if (kind) document.body.dataset.state = kind;
  }

  // -------------------------------------------------------------------------------- SPARQL protocol
  class QueryError extends Error {}

  /** The query with a PREFIX line for every config.json prefix it does not declare itself. */
  function withPrefixes(query) {
    const declared = new Set();
    for (const match of query.matchAll(/\bPREFIX\s+([A-Za-z][\w.-]*)?:/gi)) declared.add(match[1] || "");
    const lines = Object.entries(state.prefixes)
      .filter(([prefix]) => !declared.has(prefix))
      .map(([prefix, namespace]) => `PREFIX ${prefix}: <${namespace}>`);
    return lines.length ? `${lines.join("\n")}\n${query}` : query;
  }

  /** A VALUES clause binding variables to serialised RDF terms, appended as kg.queries does. */
  function valuesClause(names, rows) {
    const head = names.map((name) => `?${name}`).join(" ");
    const body = rows.map((row) => `(${row.join(" ")})`).join(" ");
    return `VALUES (${head}) { ${body} }`;
  }

  /** Run SPARQL on the endpoint; SELECT and ASK answer SPARQL JSON results, graphs come back as text. */
  async function sparql(query, names, rows) {
    let text = withPrefixes(query);
    if (names && names.length) text += `\n${valuesClause(names, rows)}`;
    let response;
    try {
      response = await fetch(state.config.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, application/n-triples;q=0.5, text/plain;q=0.1",
        },
        body: new URLSearchParams({ query: text }),
      });
    } catch (error) {
      throw new QueryError(`the endpoint ${state.config.endpoint} did not answer: ${error.message}`);
    }
    const body = await response.text();
    if (!response.ok) {
      throw new QueryError(`${response.status} ${response.statusText}: ${body.trim() || "no message"}`);
    }
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) return JSON.parse(body);
    return { text: body, type };
  }

  /** The rows of a SELECT result as objects of plain strings (term values), missing bindings absent. */
  function plainRows(result) {
    return result.results.bindings.map((binding) => {
      const row = {};
      for (const [name, term] of Object.entries(binding)) row[name] = term.value;
      return row;
    });
  }

  // -------------------------------------------------------------------- parameters as RDF terms
  function iriTerm(iri, fail) {
    if (!iri || /[\s<>"{}|^`\\]/.test(iri)) throw fail("an IRI");
    return `<${iri}>`;
  }

  function stringTerm(value) {
    const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r");
    return `"${escaped}"`;
  }

  /** How a parameter type becomes a term when config.json does not say (kg.queries binds the same way). */
  function defaultTermSpec(type) {
    const dipid = state.prefixes.dipid || "";
    const xsd = state.prefixes.xsd || "";
    const specs = {
      country: { kind: "iri", base: `${dipid}country/`, uppercase: true },
      person: { kind: "iri", base: `${dipid}person/` },
      meeting: { kind: "iri", base: `${dipid}meeting/` },
      document: { kind: "iri", base: `${dipid}doc/` },
      issue: { kind: "iri", base: state.prefixes.issue || "" },
      iri: { kind: "iri" },
      integer: { kind: "literal", datatype: `${xsd}integer` },
      date: { kind: "literal", datatype: `${xsd}date` },
    };
    return specs[type] || { kind: "literal" };
  }

  /** A parameter value as an RDF term of its declared type: checked by type, built as config.json says. */
  function parameterTerm(param, raw) {
    const value = raw.trim();
    const fail = (expected) =>
      new QueryError(`parameter ${param.name} must be ${expected} such as ${param.example}, not "${value}"`);
    const spec = param.term || defaultTermSpec(param.type);
    const isIri = /^https?:\/\//.test(value);
    if (param.type === "country" && !/^[A-Za-z]{2}$/.test(value)) throw fail("an ISO alpha-2 code");
    if (
      ["person", "meeting", "document", "issue"].includes(param.type) &&
      !isIri &&
      !/^[\p{L}\p{N}_.-]+$/u.test(value)
    ) {
      throw fail(`a ${param.type} IRI or id`);
    }
    if (param.type === "integer" && !/^[+-]?\d+$/.test(value)) throw fail("an integer");
    if (param.type === "date") {
      const parsed = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      const day = parsed && new Date(Date.UTC(+parsed[1], +parsed[2] - 1, +parsed[3]));
      if (!day || day.getUTCMonth() !== +parsed[2] - 1 || day.getUTCDate() !== +parsed[3])
        throw fail("a date YYYY-MM-DD");
    }
    if (spec.kind === "iri") {
      if (isIri || !spec.base) return iriTerm(value, fail);
      return iriTerm(spec.base + (spec.uppercase ? value.toUpperCase() : value), fail);
    }
    return spec.datatype ? `${stringTerm(value)}^^<${spec.datatype}>` : stringTerm(value);
  }

  /** The parameters of a stored query from config.json, as {name, type, example}. */
  function parametersOf(query) {
    return (query.parameters || []).map((param) =>
      typeof param === "string"
        ? { name: param, type: "string", example: "" }
        : { name: param.name, type: param.type || "string", example: param.example ?? "", term: param.term },
    );
  }

  // ------------------------------------------------------------------------------------ the model
  function add(map, key, value) {
    if (!map.has(key)) map.set(key, new Set());
    map.get(key).add(value);
  }

  /** Join the rows of the page's queries into meetings, persons, met-with pairs, countries and issues. */
  function buildModel(rows) {
    const countries = new Map();
    for (const row of rows.countries) {
      if (!countries.has(row.country))
        countries.set(row.country, { iri: row.country, code: row.code, name: row.name || row.code });
    }
    const countryCode = (iri) => (countries.has(iri) ? countries.get(iri).code : shorten(iri));

    const issues = new Map();
    for (const row of rows.issues) {
      if (!issues.has(row.issue))
        issues.set(row.issue, { iri: row.issue, label: row.label || shorten(row.issue), broader: new Set() });
      if (row.broader) issues.get(row.issue).broader.add(row.broader);
    }

    const meetings = new Map();
    for (const row of rows.meetings) {
      if (!meetings.has(row.meeting)) {
        meetings.set(row.meeting, {
          iri: row.meeting,
          kinds: new Map(),
          dates: new Set(),
          expressions: new Set(),
          places: new Map(),
          participants: new Map(),
          issues: new Set(),
          countries: new Set(),
        });
      }
      const meeting = meetings.get(row.meeting);
      meeting.kinds.set(row.kind, row.kindLabel || localName(row.kind));
      if (row.date) meeting.dates.add(row.date);
      if (row.dateExpression) meeting.expressions.add(row.dateExpression);
      if (row.place) {
        meeting.places.set(row.place, { label: row.placeLabel || shorten(row.place), country: row.placeCountry });
        if (row.placeCountry) meeting.countries.add(countryCode(row.placeCountry));
      }
    }

    const persons = new Map();
    const person = (iri) => {
      if (!persons.has(iri)) {
        persons.set(iri, { iri, name: "", represents: new Set(), sides: new Set(), meetings: new Set(), met: false });
      }
      return persons.get(iri);
    };
    for (const row of rows.participants) {
      const meeting = meetings.get(row.meeting);
      if (!meeting) continue;
      const who = person(row.person);
      if (row.name && !who.name) who.name = row.name;
      who.meetings.add(row.meeting);
      if (!meeting.participants.has(row.person)) meeting.participants.set(row.person, new Set());
      if (row.side) {
        const code = countryCode(row.side);
        meeting.participants.get(row.person).add(code);
        meeting.countries.add(code);
        who.sides.add(code);
      }
    }
    for (const row of rows.persons) {
      const who = person(row.person);
      who.met = true;
      if (row.name && !who.name) who.name = row.name;
      if (row.country) who.represents.add(countryCode(row.country));
    }
    for (const who of persons.values()) if (!who.name) who.name = shorten(who.iri);

    const pairs = new Map();
    for (const row of rows["met-with"]) {
      const [a, b] = row.person < row.other ? [row.person, row.other] : [row.other, row.person];
      pairs.set(`${a} ${b}`, { source: a, target: b });
      person(a).met = true;
      person(b).met = true;
    }

    for (const row of rows.discussed) {
      if (meetings.has(row.meeting)) meetings.get(row.meeting).issues.add(row.issue);
    }
    for (const meeting of meetings.values()) {
      const dates = sortedBy(meeting.dates, (d) => d);
      meeting.date = dates.length ? dates[0] : "";
      // undated meetings go last; ISO dates, year-months and years sort as text
      meeting.sortKey = `${meeting.date || "~"} ${meeting.iri}`;
    }
    return { countries, countryCode, issues, meetings, persons, pairs };
  }

  /** The issue and every broader one, for "meetings about X or something narrower". */
  function ancestorsOrSelf(model, issue) {
    const seen = new Set([issue]);
    const todo = [issue];
    while (todo.length) {
      const current = model.issues.get(todo.pop());
      for (const broader of current ? current.broader : []) {
        if (!seen.has(broader)) {
          seen.add(broader);
          todo.push(broader);
        }
      }
    }
    return seen;
  }

  function personCountries(who) {
    return who.represents.size ? who.represents : who.sides;
  }

  // ------------------------------------------------------------------------------------- URL state
  function params() {
    return new URLSearchParams(window.location.search);
  }

  function filters() {
    const search = params();
    const country = (search.get("country") || "").trim().toUpperCase();
    let issue = (search.get("issue") || "").trim();
    if (issue && !/^https?:\/\//.test(issue)) issue = (state.prefixes.issue || "") + issue;
    return { country, issue };
  }

  function entityIri(value, kind) {
    if (!value) return "";
    if (/^https?:\/\//.test(value)) return value;
    return `${state.prefixes.dipid || ""}${kind}/${value}`;
  }

  /** A link to this page with some parameters changed (null removes one). */
  function hrefWith(changes) {
    const search = params();
    for (const [name, value] of Object.entries(changes)) {
      if (value === null || value === "") search.delete(name);
      else search.set(name, value);
    }
    const text = search.toString();
    return text ? `?${text}` : window.location.pathname;
  }

  function personHref(iri) {
    return hrefWith({ person: idIn(iri, `${state.prefixes.dipid || ""}person/`), meeting: null });
  }

  function meetingHref(iri) {
    return hrefWith({ meeting: idIn(iri, `${state.prefixes.dipid || ""}meeting/`), person: null });
  }

  function navigate(href) {
    window.history.pushState(null, "", href);
    render();
  }

  /** Follow a same-page link by changing the URL and redrawing, not by reloading. */
  function followInPage(event) {
    const link = event.target.closest("a[data-in-page]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  }

  // ------------------------------------------------------------------------------------ filtering
  function selectedMeetings(model) {
    const { country, issue } = filters();
    return sortedBy(
      [...model.meetings.values()].filter((meeting) => {
        if (country && !meeting.countries.has(country)) return false;
        if (issue && ![...meeting.issues].some((topic) => ancestorsOrSelf(model, topic).has(issue))) return false;
        return true;
      }),
      (meeting) => meeting.sortKey,
    );
  }

  function fillFilters(model) {
    const { country, issue } = filters();
    const countrySelect = document.getElementById("filter-country");
    const codes = new Set();
    for (const meeting of model.meetings.values()) for (const code of meeting.countries) codes.add(code);
    const byCode = new Map([...model.countries.values()].map((c) => [c.code, c.name]));
    countrySelect.replaceChildren(el("option", { value: "", text: "all countries" }));
    for (const code of sortedBy(codes, (c) => byCode.get(c) || c)) {
      countrySelect.append(el("option", { value: code, text: `${byCode.get(code) || code} (${code})` }));
    }
    if (country && !codes.has(country)) countrySelect.append(el("option", { value: country, text: country }));
    countrySelect.value = country;

    const issueSelect = document.getElementById("filter-issue");
    const used = new Set();
    for (const meeting of model.meetings.values()) {
      for (const topic of meeting.issues) for (const broader of ancestorsOrSelf(model, topic)) used.add(broader);
    }
    issueSelect.replaceChildren(el("option", { value: "", text: "all issues" }));
    for (const iri of sortedBy(used, (i) => (model.issues.get(i) || { label: i }).label.toLowerCase())) {
      const label = model.issues.has(iri) ? model.issues.get(iri).label : shorten(iri);
      issueSelect.append(el("option", { value: idIn(iri, state.prefixes.issue), text: label }));
    }
    const issueValue = issue ? idIn(issue, state.prefixes.issue) : "";
    if (issueValue && ![...issueSelect.options].some((o) => o.value === issueValue)) {
      issueSelect.append(el("option", { value: issueValue, text: shorten(issue) }));
    }
    issueSelect.value = issueValue;
  }

  // --------------------------------------------------------------------------------------- network
  const NODE_RADIUS = 17;
  const EDGE_LENGTH = 120; // room for two names side by side
  const CHAR_WIDTH = 6.8; // of the 12px name labels, to keep them clear of one another

  /** A country's colour, by the code's rank among every country of the graph: filters never change it. */
  function colour(code) {
    return state.colours.get(code) || "#7a8793";
  }

  function assignColours(model) {
    const codes = new Set();
    for (const meeting of model.meetings.values()) for (const code of meeting.countries) codes.add(code);
    for (const who of model.persons.values()) for (const code of personCountries(who)) codes.add(code);
    sortedBy(codes, (c) => c).forEach((code, rank) => {
      // the palette first; past it, hues a golden angle apart stay distinguishable
      const hue = Math.round((rank * 137.508) % 360);
      state.colours.set(code, rank < PALETTE.length ? PALETTE[rank] : `hsl(${hue}, 55%, 40%)`);
    });
  }

  /** The connected parts of the graph, largest first (ties by their first node). */
  function components(nodes, edges) {
    const neighbours = new Map(nodes.map((node) => [node, []]));
    for (const edge of edges) {
      neighbours.get(edge.source).push(edge.target);
      neighbours.get(edge.target).push(edge.source);
    }
    const seen = new Set();
    const parts = [];
    for (const node of nodes) {
      if (seen.has(node)) continue;
      const part = [];
      const todo = [node];
      seen.add(node);
      while (todo.length) {
        const current = todo.pop();
        part.push(current);
        for (const next of neighbours.get(current)) {
          if (!seen.has(next)) {
            seen.add(next);
            todo.push(next);
          }
        }
      }
      parts.push(part.sort());
    }
    return parts.sort((a, b) => b.length - a.length || (a[0] < b[0] ? -1 : 1));
  }

  /** Positions around (0, 0) for one connected part: a deterministic Fruchterman-Reingold layout. */
  function forceLayout(nodes, edges, half) {
    const n = nodes.length;
    if (n === 1) return [{ x: 0, y: 0 }];
    if (n === 2) {
      const length = Math.max(EDGE_LENGTH, half[0] + half[1] + 14);
      return [
        { x: -length / 2, y: 0 },
        { x: length / 2, y: 0 },
      ];
    }
    const index = new Map(nodes.map((node, i) => [node, i]));
    const k = EDGE_LENGTH;
    const pos = nodes.map((_, i) => {
      const angle = (2 * Math.PI * i) / n;
      return { x: ((k * n) / (2 * Math.PI)) * Math.cos(angle), y: ((k * n) / (2 * Math.PI)) * Math.sin(angle) };
    });
    let temperature = k;
    for (let step = 0; step < 300; step += 1) {
      const shift = pos.map(() => ({ x: 0, y: 0 }));
      for (let i = 0; i < n; i += 1) {
        for (let j = i + 1; j < n; j += 1) {
          const dx = pos[i].x - pos[j].x;
          const dy = pos[i].y - pos[j].y;
          const d = Math.max(Math.hypot(dx, dy), 0.01);
          const force = (k * k) / d;
          shift[i].x += (dx / d) * force;
          shift[i].y += (dy / d) * force;
          shift[j].x -= (dx / d) * force;
          shift[j].y -= (dy / d) * force;
        }
      }
      for (const edge of edges) {
        const i = index.get(edge.source);
        const j = index.get(edge.target);
        const dx = pos[i].x - pos[j].x;
        const dy = pos[i].y - pos[j].y;
        const d = Math.max(Math.hypot(dx, dy), 0.01);
        const force = (d * d) / k;
        shift[i].x -= (dx / d) * force;
        shift[i].y -= (dy / d) * force;
        shift[j].x += (dx / d) * force;
        shift[j].y += (dy / d) * force;
      }
      for (let i = 0; i < n; i += 1) {
        // a little gravity keeps long chains and stray leaves close to the middle
        shift[i].x -= pos[i].x * 0.1;
        shift[i].y -= pos[i].y * 0.1;
        const length = Math.max(Math.hypot(shift[i].x, shift[i].y), 0.01);
        pos[i].x += (shift[i].x / length) * Math.min(length, temperature);
        pos[i].y += (shift[i].y / length) * Math.min(length, temperature);
      }
      temperature = Math.max(temperature * 0.97, 0.5);
    }
    return pos;
  }

  /**
   * Node positions: each connected part laid out on its own, then the parts packed in rows (largest
   * first) across the width. Returns the positions and the height the drawing needs.
   */
  function layout(nodes, edges, labels, width) {
    const gap = 16;
    const boxes = components(nodes, edges).map((part) => {
      const inside = new Set(part);
      const half = part.map((node) => Math.max(NODE_RADIUS, (CHAR_WIDTH * labels.get(node).length) / 2));
      const pos = forceLayout(
        part,
        edges.filter((e) => inside.has(e.source) && inside.has(e.target)),
        half,
      );
      const left = Math.min(...pos.map((p, i) => p.x - half[i]));
      const right = Math.max(...pos.map((p, i) => p.x + half[i]));
      const top = Math.min(...pos.map((p) => p.y - NODE_RADIUS));
      const bottom = Math.max(...pos.map((p) => p.y + NODE_RADIUS + 20));
      return { part, pos, left, top, width: right - left, height: bottom - top };
    });
    const rows = [];
    for (const box of boxes) {
      const row = rows[rows.length - 1];
      if (row && row.width + gap + box.width <= width - 2 * gap) {
        row.boxes.push(box);
        row.width += gap + box.width;
        row.height = Math.max(row.height, box.height);
      } else {
        rows.push({ boxes: [box], width: box.width, height: box.height });
      }
    }
    const positions = new Map();
    let y = gap;
    let widest = 0;
    for (const row of rows) {
      let x = Math.max(gap, (width - row.width) / 2);
      for (const box of row.boxes) {
        const dy = (row.height - box.height) / 2;
        box.part.forEach((node, i) => {
          positions.set(node, { x: x - box.left + box.pos[i].x, y: y + dy - box.top + box.pos[i].y });
        });
        x += box.width + gap;
      }
      widest = Math.max(widest, row.width + 2 * gap);
      y += row.height + gap;
    }
    return { positions, width: Math.max(width, widest), height: Math.max(y, 200) };
  }

  function renderNetwork(model, meetings) {
    const section = document.getElementById("network");
    const graph = section.querySelector("svg.graph");
    const { country, issue } = filters();
    const filtered = Boolean(country || issue);
    const attended = new Map(); // person -> set of selected meetings
    for (const meeting of meetings) {
      for (const who of meeting.participants.keys()) add(attended, who, meeting.iri);
    }
    const shown = sortedBy(
      [...model.persons.values()].filter((who) => who.met && (!filtered || attended.has(who.iri))),
      (who) => who.iri,
    );
    const shownIris = new Set(shown.map((who) => who.iri));
    const together = (a, b) => [...(attended.get(a) || [])].some((m) => (attended.get(b) || new Set()).has(m));
    const edges = sortedBy(
      [...model.pairs.values()].filter(
        (pair) =>
          shownIris.has(pair.source) && shownIris.has(pair.target) && (!filtered || together(pair.source, pair.target)),
      ),
      (pair) => `${pair.source} ${pair.target}`,
    );
    const labels = new Map(shown.map((who) => [who.iri, who.name]));
    const { positions, width, height } = layout(
      shown.map((who) => who.iri),
      edges,
      labels,
      600,
    );
    graph.setAttribute("viewBox", `0 0 ${Math.round(width)} ${Math.round(height)}`);
    const selected = entityIri(params().get("person"), "person");

    const edgeGroup = svg("g", { class: "edges" });
    for (const edge of edges) {
      const a = positions.get(edge.source);
      const b = positions.get(edge.target);
      const names = `${model.persons.get(edge.source).name} met ${model.persons.get(edge.target).name}`;
      edgeGroup.append(
        svg(
          "line",
          { class: "edge", "data-source": edge.source, "data-target": edge.target, x1: a.x, y1: a.y, x2: b.x, y2: b.y },
          svg("title", { text: names }),
        ),
      );
    }
    const nodeGroup = svg("g", { class: "nodes" });
    for (const who of shown) {
      const at = positions.get(who.iri);
      const codes = sortedBy(personCountries(who), (c) => c);
      const classes = ["node"];
      if (who.iri === selected) classes.push("selected");
      if (country && codes.includes(country)) classes.push("in-country");
      const link = svg(
        "a",
        { href: personHref(who.iri), "data-in-page": true, "aria-label": `${who.name}: meetings and evidence` },
        svg("circle", { r: NODE_RADIUS, fill: codes.length ? colour(codes[0]) : "#7a8793" }),
        svg("text", { class: "code", y: 4, text: codes.join("/") }),
        svg("text", { class: "name", y: NODE_RADIUS + 16, text: who.name }),
      );
      nodeGroup.append(
        svg(
          "g",
          {
            class: classes.join(" "),
            "data-iri": who.iri,
            "data-name": who.name,
            "data-country": codes.join(" "),
            transform: `translate(${at.x.toFixed(1)} ${at.y.toFixed(1)})`,
          },
          svg("title", { text: `${who.name} (${codes.join(", ") || "country unknown"})` }),
          link,
        ),
      );
    }
    graph.replaceChildren(edgeGroup, nodeGroup);
    if (!shown.length) {
      graph.append(
        svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty", text: "nobody met" }),
      );
    }
    section.dataset.nodes = String(shown.length);
    section.dataset.edges = String(edges.length);
    section.querySelector(".summary").textContent =
      `${shown.length} ${shown.length === 1 ? "person" : "people"}, ${edges.length} ` +
      `${edges.length === 1 ? "pair" : "pairs"} who met (dip:metWith). Click a person for the evidence.`;

    const legend = section.querySelector(".legend");
    const codes = new Set();
    for (const who of shown) for (const code of personCountries(who)) codes.add(code);
    const byCode = new Map([...model.countries.values()].map((c) => [c.code, c.name]));
    legend.replaceChildren(
      ...sortedBy(codes, (c) => c).map((code) =>
        el(
          "li",
          { "data-country": code },
          el("span", { class: "swatch", style: `background:${colour(code)}` }),
          `${byCode.get(code) || code}`,
        ),
      ),
    );
  }

  // -------------------------------------------------------------------------------------- timeline
  function dateNumber(text) {
    const match = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(text || "");
    if (!match) return null;
    const month = match[2] ? +match[2] - 1 : 6; // a year alone sits mid-year
    const day = match[3] ? +match[3] - 1 : 14;
    return +match[1] + month / 12 + day / 365;
  }

  function meetingTitle(meeting) {
    const kind = [...meeting.kinds.values()].join(", ") || "meeting";
    return kind.charAt(0).toUpperCase() + kind.slice(1);
  }

  function renderAxis(meetings) {
    const axis = document.querySelector("#timeline svg.axis");
    const dated = meetings.map((m) => [m, dateNumber(m.date)]).filter(([, n]) => n !== null);
    axis.replaceChildren();
    if (!dated.length) return;
    const first = Math.floor(Math.min(...dated.map(([, n]) => n)));
    const last = Math.floor(Math.max(...dated.map(([, n]) => n))) + 1;
    const x = (n) => 20 + ((n - first) / (last - first)) * 560;
    axis.append(svg("line", { class: "axis-line", x1: 20, x2: 580, y1: 30, y2: 30 }));
    for (let year = first; year <= last; year += 1) {
      axis.append(svg("line", { class: "axis-line", x1: x(year), x2: x(year), y1: 26, y2: 34 }));
      axis.append(svg("text", { x: x(year), y: 50, text: String(year) }));
    }
    for (const [meeting, n] of dated) {
      axis.append(
        svg(
          "a",
          { href: meetingHref(meeting.iri), "data-in-page": true },
          svg(
            "circle",
            { class: "mark", "data-iri": meeting.iri, cx: x(n), cy: 30, r: 6 },
            svg("title", { text: meeting.date }),
          ),
        ),
      );
    }
  }

  function renderTimeline(model, meetings) {
    const section = document.getElementById("timeline");
    const list = section.querySelector("ol.meetings");
    const selected = entityIri(params().get("meeting"), "meeting");
    list.replaceChildren();
    for (const meeting of meetings) {
      const places = [...meeting.places.values()];
      const participants = el("div", { class: "participants" });
      const people = sortedBy(
        meeting.participants.entries(),
        ([iri]) => (model.persons.get(iri) || { name: iri }).name,
      );
      people.forEach(([iri, sides], i) => {
        if (i) participants.append(", ");
        const who = model.persons.get(iri);
        participants.append(
          el("a", {
            class: "person",
            href: personHref(iri),
            "data-in-page": true,
            "data-iri": iri,
            text: who ? who.name : shorten(iri),
          }),
        );
        if (sides.size) participants.append(` (${[...sides].sort().join(", ")})`);
      });
      const issues = el("div", { class: "issues" });
      for (const topic of sortedBy(meeting.issues, (i) => (model.issues.get(i) || { label: i }).label.toLowerCase())) {
        issues.append(
          el("span", {
            class: "issue",
            "data-iri": topic,
            text: model.issues.has(topic) ? model.issues.get(topic).label : shorten(topic),
          }),
        );
      }
      list.append(
        el(
          "li",
          {
            class: meeting.iri === selected ? "meeting selected" : "meeting",
            "data-iri": meeting.iri,
            "data-date": meeting.date,
            "data-countries": [...meeting.countries].sort().join(" "),
          },
          el("time", {
            datetime: meeting.date || null,
            text: meeting.date || [...meeting.expressions].join("; ") || "undated",
          }),
          el(
            "div",
            { class: "head" },
            el("span", { class: "kind", text: meetingTitle(meeting) }),
            places.length ? el("span", { class: "place", text: ` in ${places.map((p) => p.label).join(", ")}` }) : null,
            " · ",
            el("a", { class: "evidence-link", href: meetingHref(meeting.iri), "data-in-page": true, text: "evidence" }),
          ),
          participants,
          issues,
        ),
      );
    }
    if (!meetings.length) list.append(el("li", { class: "empty", text: "No meeting matches the filters." }));
    section.dataset.meetings = String(meetings.length);
    section.querySelector(".summary").textContent =
      `${meetings.length} ${meetings.length === 1 ? "meeting" : "meetings"}, oldest first.`;
    renderAxis(meetings);
  }

  // ---------------------------------------------------------------------------- evidence details
  function evidenceOf(iris) {
    const missing = iris.filter((iri) => !state.evidence.has(iri));
    if (missing.length) {
      const pending = sparql(
        state.queries.evidence,
        ["meeting"],
        missing.map((iri) => [`<${iri}>`]),
      ).then(plainRows);
      // a failed request is not remembered: the next click asks again
      pending.catch(() => missing.forEach((iri) => state.evidence.delete(iri)));
      for (const iri of missing) {
        state.evidence.set(
          iri,
          pending.then((rows) => rows.filter((row) => row.meeting === iri)),
        );
      }
    }
    return Promise.all(iris.map((iri) => state.evidence.get(iri)));
  }

  /** One list item per sentence (document + offsets), naming whose participation or meeting it attests. */
  function evidenceList(model, rows, person) {
    const sentences = new Map();
    for (const row of rows) {
      const key = `${row.document} ${row.start} ${row.end}`;
      if (!sentences.has(key)) sentences.set(key, { ...row, about: new Set() });
      sentences.get(key).about.add(row.person || "");
    }
    const items = sortedBy(sentences.values(), (s) => `${s.document} ${String(s.start).padStart(9, "0")}`)
      .filter((s) => !person || s.about.has(person) || s.about.has(""))
      .map((s) => {
        const about = [...s.about]
          .filter(Boolean)
          .map((iri) => (model.persons.get(iri) || { name: shorten(iri) }).name)
          .sort();
        if (s.about.has("")) about.unshift("the meeting");
        const title = s.title || shorten(s.document);
        return el(
          "li",
          { class: "evidence-item", "data-document": s.document, "data-start": s.start, "data-end": s.end },
          el("blockquote", { class: "quote", text: s.sentence }),
          el(
            "div",
            { class: "source" },
            s.source
              ? el("a", { class: "doc-title", href: s.source, text: title })
              : el("span", { class: "doc-title", text: title }),
            " · ",
            el("code", { class: "doc-iri", title: s.document, text: shorten(s.document) }),
            ` · characters ${s.start}–${s.end}`,
            ` · attests ${about.join(", ")}`,
          ),
        );
      });
    return items.length
      ? el("ul", { class: "evidence" }, ...items)
      : el("p", { class: "empty", text: "No evidence recorded." });
  }

  function meetingFacts(model, meeting) {
    const people = [...meeting.participants.entries()].map(([iri, sides]) => {
      const who = model.persons.get(iri);
      return `${who ? who.name : shorten(iri)}${sides.size ? ` (${[...sides].sort().join(", ")})` : ""}`;
    });
    const places = [...meeting.places.values()].map((p) => p.label);
    return el(
      "p",
      { class: "facts" },
      `${meeting.date || "undated"} · ${people.sort().join(", ")}`,
      places.length ? ` · ${places.join(", ")}` : "",
      " · ",
      el("code", { title: meeting.iri, text: shorten(meeting.iri) }),
    );
  }

  async function renderDetails(model) {
    const section = document.getElementById("details");
    const search = params();
    const meetingIri = entityIri(search.get("meeting"), "meeting");
    const personIri = entityIri(search.get("person"), "person");
    const title = section.querySelector(".title");
    const body = section.querySelector(".body");
    if (!meetingIri && !personIri) {
      section.hidden = true;
      section.removeAttribute("data-iri");
      section.dataset.state = "empty";
      return;
    }
    section.hidden = false;
    section.dataset.state = "loading";
    section.dataset.kind = meetingIri ? "meeting" : "person";
    section.dataset.iri = meetingIri || personIri;
    body.replaceChildren(el("p", { class: "empty", text: "Loading the evidence…" }));
    const token = (state.detailsToken = (state.detailsToken || 0) + 1);
    try {
      let parts;
      if (meetingIri) {
        const meeting = model.meetings.get(meetingIri);
        if (!meeting) throw new QueryError(`no meeting ${shorten(meetingIri)} in the store`);
        title.textContent = `${meetingTitle(meeting)}${meeting.date ? `, ${meeting.date}` : ""}`;
        const [rows] = await evidenceOf([meetingIri]);
        parts = [meetingFacts(model, meeting), el("h3", { text: "Evidence" }), evidenceList(model, rows, null)];
      } else {
        const who = model.persons.get(personIri);
        if (!who) throw new QueryError(`no person ${shorten(personIri)} in the store`);
        const codes = [...personCountries(who)].sort();
        title.textContent = `${who.name}${codes.length ? ` (${codes.join(", ")})` : ""}`;
        const meetings = sortedBy(
          [...who.meetings].map((iri) => model.meetings.get(iri)).filter(Boolean),
          (m) => m.sortKey,
        );
        const evidence = await evidenceOf(meetings.map((m) => m.iri));
        parts = [
          el(
            "p",
            { class: "facts" },
            `${meetings.length} ${meetings.length === 1 ? "meeting" : "meetings"} · `,
            el("code", { title: who.iri, text: shorten(who.iri) }),
          ),
        ];
        meetings.forEach((meeting, i) => {
          parts.push(
            el(
              "div",
              { class: "person-meeting", "data-iri": meeting.iri },
              el(
                "h3",
                {},
                el("a", {
                  href: meetingHref(meeting.iri),
                  "data-in-page": true,
                  text: `${meeting.date || "undated"}: ${meetingTitle(meeting)}`,
                }),
              ),
              meetingFacts(model, meeting),
              evidenceList(model, evidence[i], who.iri),
            ),
          );
        });
      }
      if (token !== state.detailsToken) return;
      body.replaceChildren(...parts);
      section.dataset.state = "ready";
    } catch (error) {
      if (token !== state.detailsToken) return;
      body.replaceChildren(el("p", { class: "error", role: "alert", text: error.message }));
      section.dataset.state = "error";
    }
  }

  // ---------------------------------------------------------------------------------------- editor
  function storedQuery(name) {
    return (state.config.queries || []).find((query) => query.name === name);
  }

  /**
   * What the editor shows of a stored query: its SPARQL, without the PREFIX lines config.json declares
   * anyway (they come back at run time) and without the `#+` header, which the description and the
   * parameter inputs already show.
   */
  function editorText(text) {
    const lines = text.split("\n");
    let first = 0;
    while (first < lines.length) {
      const match = /^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$/i.exec(lines[first]);
      if (!(match && state.prefixes[match[1] || ""] === match[2]) && !lines[first].startsWith("#+")) break;
      first += 1;
    }
    return lines.slice(first).join("\n");
  }

  function showStoredQuery(name, values) {
    const query = storedQuery(name);
    const description = document.getElementById("query-description");
    const holder = document.getElementById("query-params");
    holder.replaceChildren();
    if (!query) {
      description.textContent = "Any SPARQL; the prefixes below are declared for you.";
      return;
    }
    document.getElementById("sparql").value = editorText(query.sparql);
    description.textContent = query.description || query.title || "";
    for (const param of parametersOf(query)) {
      const given = values && values.get(`p.${param.name}`);
      holder.append(
        el(
          "label",
          {},
          `${param.name} (${param.type}) `,
          el("input", {
            name: param.name,
            "data-type": param.type,
            placeholder: String(param.example),
            value: given ?? String(param.example),
          }),
        ),
      );
    }
  }

  function showError(message) {
    const box = document.getElementById("query-error");
    box.textContent = message;
    box.hidden = !message;
  }

  function cell(term) {
    if (!term) return el("td", {});
    if (term.type === "uri") return el("td", { title: term.value }, el("code", { text: shorten(term.value) }));
    if (term.type === "bnode") return el("td", { text: `_:${term.value}` });
    const lang = term["xml:lang"];
    return el("td", { title: term.datatype ? shorten(term.datatype) : lang ? `@${lang}` : null, text: term.value });
  }

  async function runEditor() {
    const editor = document.getElementById("editor");
    const table = document.getElementById("results");
    const text = document.getElementById("results-text");
    const summary = document.getElementById("results-summary");
    showError("");
    editor.dataset.state = "running";
    summary.textContent = "Running…";
    table.tHead.replaceChildren();
    table.tBodies[0].replaceChildren();
    text.hidden = true;
    try {
      const query = storedQuery(document.getElementById("query-select").value);
      const names = [];
      const terms = [];
      if (query) {
        for (const param of parametersOf(query)) {
          const input = document.querySelector(`#query-params input[name="${CSS.escape(param.name)}"]`);
          const value = input ? input.value : "";
          if (!value.trim()) throw new QueryError(`parameter ${param.name} is missing; for example ${param.example}`);
          names.push(param.name);
          terms.push(parameterTerm(param, value));
        }
      }
      const result = await sparql(document.getElementById("sparql").value, names, names.length ? [terms] : []);
      if (result.text !== undefined) {
        text.textContent = result.text;
        text.hidden = false;
        summary.textContent = `${result.text.split("\n").filter((line) => line.trim()).length} triples (${result.type})`;
      } else if (result.boolean !== undefined) {
        summary.textContent = `ASK: ${result.boolean}`;
        table.tBodies[0].append(el("tr", {}, el("td", { class: "boolean", text: String(result.boolean) })));
      } else {
        const vars = result.head.vars;
        table.tHead.append(el("tr", {}, ...vars.map((name) => el("th", { text: name }))));
        for (const binding of result.results.bindings) {
          table.tBodies[0].append(el("tr", {}, ...vars.map((name) => cell(binding[name]))));
        }
        const count = result.results.bindings.length;
        summary.textContent = `${count} ${count === 1 ? "row" : "rows"}`;
      }
      editor.dataset.state = "done";
    } catch (error) {
      summary.textContent = "";
      showError(error.message);
      editor.dataset.state = "error";
    }
  }

  function initEditor() {
    const select = document.getElementById("query-select");
    for (const query of state.config.queries || []) {
      select.append(
        el("option", { value: query.name, text: query.title ? `${query.name}: ${query.title}` : query.name }),
      );
    }
    document.getElementById("prefix-hint").textContent = `Declared prefixes: ${Object.keys(state.prefixes)
      .map((p) => `${p}:`)
      .join(" ")}`;
    select.addEventListener("change", () => showStoredQuery(select.value, null));
    document.getElementById("run").addEventListener("click", runEditor);
    document.getElementById("sparql").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        runEditor();
      }
    });
    const search = params();
    const name = search.get("query");
    if (name && storedQuery(name)) {
      select.value = name;
      showStoredQuery(name, search);
    } else {
      showStoredQuery("", null);
      document.getElementById("sparql").value = search.get("sparql") || state.queries.example;
    }
    if (search.get("run")) runEditor();
  }

  // ----------------------------------------------------------------------------------- page setup
  function render() {
    const model = state.model;
    if (!model) return;
    fillFilters(model);
    const meetings = selectedMeetings(model);
    renderNetwork(model, meetings);
    renderTimeline(model, meetings);
    return renderDetails(model);
  }

  function onFilterChange() {
    const country = document.getElementById("filter-country").value;
    const issue = document.getElementById("filter-issue").value;
    navigate(hrefWith({ country, issue }));
  }

  async function fetchText(url) {
    const response = await fetch(url);
    if (!response.ok) throw new QueryError(`${url}: ${response.status} ${response.statusText}`);
    return response.text();
  }

  async function main() {
    document.addEventListener("click", followInPage);
    window.addEventListener("popstate", render);
    document.getElementById("filter-country").addEventListener("change", onFilterChange);
    document.getElementById("filter-issue").addEventListener("change", onFilterChange);
    document
      .getElementById("filter-clear")
      .addEventListener("click", () => navigate(hrefWith({ country: null, issue: null })));
    document
      .getElementById("details-close")
      .addEventListener("click", () => navigate(hrefWith({ person: null, meeting: null })));
    try {
      state.config = JSON.parse(await fetchText("config.json"));
      state.prefixes = state.config.prefixes || {};
      const names = [...PAGE_QUERIES, "example"];
      const texts = await Promise.all(names.map((name) => fetchText(`sparql/${name}.rq`)));
      names.forEach((name, i) => {
        state.queries[name] = texts[i];
      });
      initEditor();
      const results = await Promise.all(GRAPH_QUERIES.map((name) => sparql(state.queries[name]).then(plainRows)));
      const rows = Object.fromEntries(GRAPH_QUERIES.map((name, i) => [name, results[i]]));
      state.model = buildModel(rows);
      assignColours(state.model);
      setStatus(
        `${state.model.meetings.size} meetings and ${[...state.model.persons.values()].filter((p) => p.met).length} people ` +
          `who met, from ${state.config.endpoint}.`,
      );
      await render();
      document.body.dataset.state = "ready";
    } catch (error) {
      setStatus(`Could not load the graph: ${error.message}`, "error");
    }
  }

  main();
})();
