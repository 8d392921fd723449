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
        </style>
        </head>
        <body>
        <nav>
          <button data-tab="resources" class="active">Resources</button><button data-tab="console">Console</button>
          <button data-tab="traces">Traces</button><button data-tab="logs">Structured logs</button><button data-tab="metrics">Metrics</button>
        </nav>
        <main>
          <section id="resources"><table><thead><tr><th>Resource</th><th>Type</th><th>State</th><th>Endpoints</th><th>PID</th><th></th></tr></thead><tbody id="resource-rows"></tbody></table></section>
          <section id="console" class="hidden"><select id="console-resource"></select><input id="console-search" placeholder="search"><pre id="console-lines"></pre></section>
          <section id="traces" class="hidden"><input id="trace-search" placeholder="trace id, correlation id or span name"><button id="trace-go">Search</button>
            <table><thead><tr><th>Start</th><th>Trace</th><th>Services</th><th>Spans</th><th>Duration ms</th><th>Errors</th></tr></thead><tbody id="trace-rows"></tbody></table>
            <div id="waterfall"></div></section>
          <section id="logs" class="hidden"><input id="log-service" placeholder="service"><select id="log-level"><option>trace</option><option>debug</option><option selected>information</option><option>warning</option><option>error</option></select>
            <input id="log-text" placeholder="text"><input id="log-correlation" placeholder="correlation id"><input id="log-trace" placeholder="trace id"><button id="log-go">Filter</button>
            <table><thead><tr><th>Time</th><th>Service</th><th>Level</th><th>Message</th><th>Trace</th></tr></thead><tbody id="log-rows"></tbody></table></section>
          <section id="metrics" class="hidden"><select id="metric-series"></select><svg id="chart" width="900" height="260"></svg></section>
        </main>
        <script>
        const $ = id => document.getElementById(id);
        const text = v => String(v ?? '').replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
        const get = async url => (await fetch(url)).json();
        let console_source = null, series = [];
        document.querySelectorAll('nav button').forEach(b => b.onclick = () => {
          document.querySelectorAll('nav button').forEach(x => x.classList.toggle('active', x === b));
          document.querySelectorAll('main section').forEach(s => s.classList.toggle('hidden', s.id !== b.dataset.tab));
          ({ traces: loadTraces, logs: loadLogs, metrics: loadMetrics, console: openConsole })[b.dataset.tab]?.();
        });
        async function loadResources() {
          const resources = await get('/api/resources');
          $('resource-rows').innerHTML = resources.map(r => `<tr data-resource="${text(r.name)}"><td>${text(r.name)}</td><td>${text(r.type)}</td>
            <td class="state state-${text(r.state)}">${text(r.state)}</td><td>${r.endpoints.map(e => `<a href="${text(e)}" target="_blank">${text(e)}</a>`).join(' ')}</td>
            <td>${text(r.pid)}</td><td>${['stop', 'start', 'restart', 'kill'].map(c => `<button data-command="${c}" data-name="${text(r.name)}">${c}</button>`).join(' ')}</td></tr>`).join('');
          const selected = $('console-resource').value;
          $('console-resource').innerHTML = resources.map(r => `<option ${r.name === selected ? 'selected' : ''}>${text(r.name)}</option>`).join('');
        }
        $('resource-rows').onclick = async e => { if (e.target.dataset.command) { await fetch(`/api/resources/${e.target.dataset.name}/${e.target.dataset.command}`, { method: 'POST' }); } };
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
        $('trace-rows').onclick = async e => {
          const row = e.target.closest('tr'); if (!row) return;
          e.preventDefault();
          const spans = await get(`/api/traces/${row.dataset.trace}`);
          const start = Math.min(...spans.map(s => Date.parse(s.start))), total = Math.max(...spans.map(s => Date.parse(s.start) + s.durationMs)) - start || 1;
          $('waterfall').innerHTML = '<h3>Waterfall</h3><table class="waterfall">' + spans.map(s => `<tr class="span"><td>${text(s.service)}</td><td>${text(s.name)}</td><td>${s.durationMs.toFixed(1)} ms</td>
            <td style="width:50%"><div class="bar ${s.error ? 'error' : ''}" style="margin-left:${(Date.parse(s.start) - start) / total * 100}%;width:${Math.max(0.5, s.durationMs / total * 100)}%"></div></td></tr>`).join('') + '</table>';
        };
        async function loadLogs() {
          const q = new URLSearchParams({ level: $('log-level').value });
          [['service', 'log-service'], ['text', 'log-text'], ['correlationId', 'log-correlation'], ['traceId', 'log-trace']].forEach(([k, id]) => $(id).value && q.set(k, $(id).value));
          const logs = await get('/api/logs?' + q);
          $('log-rows').innerHTML = logs.map(l => `<tr><td>${new Date(l.time).toLocaleTimeString()}</td><td>${text(l.instance)}</td><td>${text(l.level)}</td><td>${text(l.message)}</td><td>${text(l.traceId)}</td></tr>`).join('');
        }
        $('log-go').onclick = loadLogs;
        async function loadMetrics() {
          series = await get('/api/metrics');
          const selected = $('metric-series').value;
          $('metric-series').innerHTML = series.map((s, i) => { const key = `${s.service} ${s.name} ${s.attributes}`; return `<option value="${i}" ${key === selected ? 'selected' : ''}>${text(key)}</option>`; }).join('');
          drawChart();
        }
        function drawChart() {
          const s = series[$('metric-series').value]; if (!s) return;
          const values = s.points.map(p => s.kind === 'histogram' ? p.value : p.value), max = Math.max(...values, 1e-9);
          const path = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${i / Math.max(1, values.length - 1) * 880 + 10},${250 - v / max * 230}`).join(' ');
          $('chart').innerHTML = `<path d="${path}" fill="none" stroke="#2f6fdb" stroke-width="2"/><text x="10" y="14">${text(s.name)} (${text(s.unit)}) max ${max.toFixed(2)}</text>`;
        }
        $('metric-series').onchange = drawChart;
        loadResources(); setInterval(loadResources, 1000);
        </script>
        </body>
        </html>
        """;
}
