namespace Platform.Hosting.Dashboard;

/// <summary>The dashboard's single page: plain HTML and script over the JSON routes of <see cref="DashboardServer"/>.</summary>
internal static class DashboardPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Platform dashboard</title>
        <style>
          body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2430; }
          nav { background: #1d2430; padding: 8px 16px; }
          nav button { background: none; border: 0; color: #c9d3e0; font-size: 15px; margin-right: 12px; cursor: pointer; }
          nav button.active { color: #fff; border-bottom: 2px solid #6cb4ff; }
          main { padding: 16px; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e8ef; vertical-align: top; }
          .state-healthy { color: #177a3b; } .state-unhealthy, .state-exited, .state-failedtostart { color: #b3261e; } .state-stopped, .state-paused { color: #8a6d00; }
          pre { background: #0f141b; color: #d6e2f0; padding: 8px; height: 70vh; overflow: auto; font-size: 12px; }
          .bar { background: #6cb4ff; height: 12px; position: relative; } .bar.error { background: #e06c75; }
          input, select { margin-right: 8px; }
          .hidden { display: none; }
          .charts { display: flex; flex-wrap: wrap; gap: 12px; } .chart { border: 1px solid #e3e8ef; } .chart text { font-size: 11px; fill: #4a5565; }
          tr.selected { background: #eef5ff; } tr.active-fault { background: #fff1f0; } #route-rows tr { cursor: pointer; }
        </style>
        </head>
        <body>
        <nav>
          <button data-tab="resources" class="active">Resources</button><button data-tab="console">Console</button>
          <button data-tab="traces">Traces</button><button data-tab="logs">Structured logs</button><button data-tab="metrics">Metrics</button><button data-tab="faults">Faults</button>
        </nav>
        <main>
          <section id="resources"><table><thead><tr><th>Resource</th><th>Type</th><th>Replica</th><th>State</th><th>Endpoints</th><th>PID</th><th></th></tr></thead><tbody id="resource-rows"></tbody></table>
            <div id="environment"></div></section>
          <section id="console" class="hidden"><select id="console-resource"></select><input id="console-search" placeholder="search"><pre id="console-lines"></pre></section>
          <section id="traces" class="hidden"><input id="trace-search" placeholder="trace id, correlation id or span name"><button id="trace-go">Search</button>
            <table><thead><tr><th>Start</th><th>Trace</th><th>Services</th><th>Spans</th><th>Duration ms</th><th>Errors</th></tr></thead><tbody id="trace-rows"></tbody></table>
            <div id="waterfall"></div></section>
          <section id="logs" class="hidden"><input id="log-service" placeholder="service"><select id="log-level"><option>trace</option><option>debug</option><option selected>information</option><option>warning</option><option>error</option></select>
            <input id="log-text" placeholder="text"><input id="log-correlation" placeholder="correlation id"><input id="log-trace" placeholder="trace id"><button id="log-go">Filter</button>
            <table><thead><tr><th>Time</th><th>Service</th><th>Level</th><th>Message</th><th>Trace</th></tr></thead><tbody id="log-rows"></tbody></table></section>
          <section id="metrics" class="hidden">
            <h3>Routes, last minute <small>(click one for its charts)</small></h3>
            <table><thead><tr><th>Service</th><th>Route</th><th>req/s</th><th>errors %</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th></tr></thead><tbody id="route-rows"></tbody></table>
            <h3 id="request-title">All services, all routes</h3><div id="request-charts" class="charts"></div>
            <h3>Runtime <select id="runtime-service"></select></h3><div id="runtime-charts" class="charts"></div>
            <h3>Any series</h3><select id="metric-series"></select><div id="series-chart" class="charts"></div></section>
          <section id="faults" class="hidden"><p id="fault-status"></p>
            <table><thead><tr><th>Edge</th><th>Upstream fault</th><th>Downstream fault</th><th></th></tr></thead><tbody id="fault-rows"></tbody></table></section>
        </main>
        <script>
        const $ = id => document.getElementById(id);
        const text = v => String(v ?? '').replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
        const get = async url => (await fetch(url)).json();
        let console_source = null;
        document.querySelectorAll('nav button').forEach(b => b.onclick = () => {
          document.querySelectorAll('nav button').forEach(x => x.classList.toggle('active', x === b));
          document.querySelectorAll('main section').forEach(s => s.classList.toggle('hidden', s.id !== b.dataset.tab));
          ({ traces: loadTraces, logs: loadLogs, metrics: loadMetrics, console: openConsole, faults: loadFaults })[b.dataset.tab]?.();
        });
        async function loadResources() {
          const resources = await get('/api/resources');
          $('resource-rows').innerHTML = resources.map(r => `<tr data-resource="${text(r.name)}"><td>${text(r.name)}</td><td>${text(r.type)}</td><td>${r.replicas > 1 ? `${r.replica + 1} of ${r.replicas}` : ''}</td>
            <td class="state state-${text(r.state)}">${text(r.state)}</td><td>${r.endpoints.map(e => `<a href="${text(e)}" target="_blank">${text(e)}</a>`).join(' ')}</td>
            <td>${text(r.pid)}</td><td>${['stop', 'start', 'restart', 'kill', 'environment'].map(c => `<button data-command="${c}" data-name="${text(r.name)}">${c}</button>`).join(' ')}</td></tr>`).join('');
          const selected = $('console-resource').value;
          $('console-resource').innerHTML = resources.map(r => `<option ${r.name === selected ? 'selected' : ''}>${text(r.name)}</option>`).join('');
          const services = [...new Set(resources.filter(r => r.type === 'Project').map(r => r.resource))], service = $('runtime-service').value;
          $('runtime-service').innerHTML = services.map(s => `<option ${s === service ? 'selected' : ''}>${text(s)}</option>`).join('');
        }
        $('resource-rows').onclick = async e => {
          const { command, name } = e.target.dataset;
          if (command === 'environment') {
            const variables = await get(`/api/resources/${encodeURIComponent(name)}/environment`);
            $('environment').innerHTML = `<h3>Environment of ${text(name)}</h3><table id="environment-rows">` + variables.map(v => `<tr><td>${text(v.name)}</td><td>${text(v.value)}</td></tr>`).join('') + '</table>';
          } else if (command) {
            await fetch(`/api/resources/${encodeURIComponent(name)}/${command}`, { method: 'POST' });
          }
        };
        function openConsole() {
          console_source?.close();
          $('console-lines').textContent = '';
          console_source = new EventSource(`/api/resources/${encodeURIComponent($('console-resource').value)}/console`);
          console_source.onmessage = m => {
            const line = JSON.parse(m.data), search = $('console-search').value;
            if (!search || line.includes(search)) { $('console-lines').textContent += line + '\n'; $('console-lines').scrollTop = 1e9; }
          };
        }
        $('console-resource').onchange = openConsole;
        async function loadTraces() {
          const traces = await get(`/api/traces?search=${encodeURIComponent($('trace-search').value)}`);
          $('trace-rows').innerHTML = traces.map(t => `<tr class="trace" data-trace="${t.traceId}"><td>${new Date(t.start).toLocaleTimeString()}</td><td><a href="#">${text(t.name)}</a></td>
            <td>${text(t.services.join(', '))}</td><td>${t.spans}</td><td>${t.durationMs.toFixed(1)}</td><td>${t.errors}</td></tr>`).join('');
        }
        $('trace-go').onclick = loadTraces;
        $('trace-rows').onclick = e => {
          const row = e.target.closest('tr'); if (!row) return;
          e.preventDefault();
          openTrace(row.dataset.trace);
        };
        // A span's links (a Kafka or bus message consumed in another trace) open the linked trace.
        $('waterfall').onclick = e => { if (e.target.dataset.trace) { e.preventDefault(); openTrace(e.target.dataset.trace); } };
        async function openTrace(traceId) {
          const spans = await get(`/api/traces/${traceId}`);
          if (spans.length === 0) { $('waterfall').innerHTML = `<h3>Trace ${text(traceId)}</h3><p>Not in the store (never received, or evicted).</p>`; return; }
          const start = Math.min(...spans.map(s => Date.parse(s.start))), total = Math.max(...spans.map(s => Date.parse(s.start) + s.durationMs)) - start || 1;
          $('waterfall').innerHTML = `<h3>Waterfall of ${text(traceId)}</h3><table class="waterfall">` + spans.map(s => `<tr class="span"><td>${text(s.instance)}</td><td>${text(s.kind)}</td><td>${text(s.name)}</td><td>${s.durationMs.toFixed(1)} ms</td>
            <td style="width:45%"><div class="bar ${s.error ? 'error' : ''}" title="${text(s.statusMessage ?? '')}" style="margin-left:${(Date.parse(s.start) - start) / total * 100}%;width:${Math.max(0.5, s.durationMs / total * 100)}%"></div></td>
            <td>${s.links.map(l => `<a href="#" data-trace="${text(l.split('/')[0])}">linked trace</a>`).join(' ')}</td></tr>`).join('') + '</table>';
        }
        async function loadLogs() {
          const q = new URLSearchParams({ level: $('log-level').value });
          [['service', 'log-service'], ['text', 'log-text'], ['correlationId', 'log-correlation'], ['traceId', 'log-trace']].forEach(([k, id]) => $(id).value && q.set(k, $(id).value));
          const logs = await get('/api/logs?' + q);
          $('log-rows').innerHTML = logs.map(l => `<tr><td>${new Date(l.time).toLocaleTimeString()}</td><td>${text(l.instance)}</td><td>${text(l.level)}</td><td>${text(l.message)}</td><td>${text(l.traceId)}</td></tr>`).join('');
        }
        $('log-go').onclick = loadLogs;
        let selectedRoute = {};
        async function loadMetrics() {
          const routes = await get('/api/metrics/routes'), ms = v => v == null ? '' : v.toFixed(1);
          $('route-rows').innerHTML = routes.map(r => `<tr data-service="${text(r.service)}" data-route="${text(r.route)}" class="${r.service === selectedRoute.service && r.route === selectedRoute.route ? 'selected' : ''}">
            <td>${text(r.service)}</td><td>${text(r.route)}</td><td>${r.requestsPerSecond.toFixed(2)}</td><td>${r.errorPercent.toFixed(1)}</td><td>${ms(r.p50Ms)}</td><td>${ms(r.p95Ms)}</td><td>${ms(r.p99Ms)}</td></tr>`).join('');
          const q = new URLSearchParams(Object.entries(selectedRoute));
          $('request-title').textContent = selectedRoute.service ? `${selectedRoute.service} ${selectedRoute.route}` : 'All services, all routes';
          $('request-charts').innerHTML = (await get('/api/metrics/requests?' + q)).map(chartSvg).join('');
          $('runtime-charts').innerHTML = (await get('/api/metrics/runtime?service=' + encodeURIComponent($('runtime-service').value))).map(chartSvg).join('');
          // the picker lists every series; only the chosen one's points are fetched
          const catalog = await get('/api/metrics/catalog'), selected = $('metric-series').value;
          $('metric-series').innerHTML = catalog.map(s => `<option value="${text(s.key)}" ${s.key === selected ? 'selected' : ''}>${text(`${s.instance} ${s.name} ${s.attributes}`)}</option>`).join('');
          drawSeries();
        }
        $('route-rows').onclick = e => { const row = e.target.closest('tr'); if (row) { selectedRoute = { service: row.dataset.service, route: row.dataset.route }; loadMetrics(); } };
        $('runtime-service').onchange = loadMetrics;
        const colors = ['#2f6fdb', '#e0883e', '#b3261e', '#177a3b', '#7b4fd6', '#8a6d00'];
        // One chart: a line per series, time along x, 0..max along y, with the max and the time span written on it.
        function chartSvg(chart) {
          const all = chart.lines.flatMap(l => l.points), w = 420, h = 170;
          if (all.length === 0) return `<svg class="chart" width="${w}" height="${h}"><text x="8" y="16">${text(chart.title)}: no data yet</text></svg>`;
          const t0 = Math.min(...all.map(p => Date.parse(p.time))), t1 = Math.max(...all.map(p => Date.parse(p.time))), max = Math.max(...all.map(p => p.value), 1e-9);
          const x = t => 40 + (Date.parse(t) - t0) / Math.max(1, t1 - t0) * (w - 50), y = v => h - 20 - v / max * (h - 50);
          const paths = chart.lines.map((l, i) => `<path d="${l.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.time).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}" fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.5"/>`).join('');
          const dots = chart.lines.map((l, i) => l.points.length > 12 ? '' : l.points.map(p => `<circle cx="${x(p.time).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="${colors[i % colors.length]}"/>`).join('')).join('');
          const legend = chart.lines.map((l, i) => `<tspan fill="${colors[i % colors.length]}">${text(l.label)} </tspan>`).join('');
          return `<svg class="chart" width="${w}" height="${h}" data-title="${text(chart.title)}"><text x="8" y="14">${text(chart.title)} (${text(chart.unit)}), max ${max.toFixed(2)}</text>
            <text x="8" y="28">${legend}</text><line x1="40" y1="${h - 20}" x2="${w - 10}" y2="${h - 20}" stroke="#c9d3e0"/>
            <text x="40" y="${h - 6}">${new Date(t0).toLocaleTimeString()}</text><text x="${w - 70}" y="${h - 6}">${new Date(t1).toLocaleTimeString()}</text>${paths}${dots}</svg>`;
        }
        async function drawSeries() {
          if (!$('metric-series').value) return;
          const [s] = await get('/api/metrics?key=' + encodeURIComponent($('metric-series').value)); if (!s) return;
          $('series-chart').innerHTML = chartSvg({ title: s.name, unit: s.unit, lines: [{ label: s.instance, points: s.points.map(p => ({ time: p.time, value: p.value })) }] });
        }
        $('metric-series').onchange = drawSeries;
        async function loadFaults() {
          const faults = await get('/api/chaos/edges'), describe = f => Object.entries(f).filter(([k, v]) => v && v !== '00:00:00' && k !== 'isNone').map(([k, v]) => `${k} ${v}`).join(', ');
          $('fault-status').textContent = faults.enabled ? `${faults.edges.filter(e => e.active).length} of ${faults.edges.length} edges have faults; ${faults.resets} connections reset so far.`
            : 'This run has no edge proxies: start it with ./platform run -- --EdgeProxies=true to put a fault proxy on every edge.';
          $('fault-rows').innerHTML = faults.edges.map(e => `<tr class="${e.active ? 'active-fault' : ''}"><td>${text(e.edge)}</td><td>${text(describe(e.faults.upstream))}</td><td>${text(describe(e.faults.downstream))}</td>
            <td>${e.active ? `<button data-edge="${text(e.edge)}">clear</button>` : ''}</td></tr>`).join('');
        }
        $('fault-rows').onclick = async e => { if (e.target.dataset.edge) { await fetch(`/api/chaos/edges/${encodeURIComponent(e.target.dataset.edge)}`, { method: 'DELETE' }); loadFaults(); } };
        loadResources(); setInterval(loadResources, 1000);
        setInterval(() => { if (!$('metrics').classList.contains('hidden')) loadMetrics(); if (!$('faults').classList.contains('hidden')) loadFaults(); }, 5000);
        </script>
        </body>
        </html>
        """;
}
