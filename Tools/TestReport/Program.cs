using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;

// Usage: Platform.TestReport <results folder> [title]
// Reads every *.trx the test run left in the folder, writes junit.xml and report.html next to them, and prints
// "N passed, N failed, N skipped". Exit code 0: the reports were written (the test outcome is the caller's to judge).
if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Platform.TestReport <folder with .trx files> [title]");
    return 2;
}

var folder = args[0];
var title = args.Length > 1 ? args[1] : "Platform tests";
XNamespace trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
var results = Directory.EnumerateFiles(folder, "*.trx", SearchOption.AllDirectories)
    .SelectMany(file => TestResult.AllIn(XDocument.Load(file), Path.GetFileName(file), trx))
    .OrderBy(r => r.Suite, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
    .ToList();
var suites = results.GroupBy(r => r.Suite).ToList();

var junit = new XElement("testsuites",
    new XAttribute("name", title), Counts(results),
    suites.Select(suite => new XElement("testsuite",
        new XAttribute("name", suite.Key), Counts(suite.ToList()),
        suite.Select(test => new XElement("testcase",
            new XAttribute("classname", test.Suite), new XAttribute("name", test.Name), Seconds(test.Duration),
            test.Outcome switch
            {
                Outcome.Failed => new XElement("failure", new XAttribute("message", test.Message ?? "failed"), test.StackTrace),
                Outcome.Skipped => new XElement("skipped", test.Message is null ? null : new XAttribute("message", test.Message)),
                _ => null,
            },
            test.Output is null ? null : new XElement("system-out", test.Output))))));
using (var writer = System.Xml.XmlWriter.Create(Path.Combine(folder, "junit.xml"), new System.Xml.XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
{
    junit.Save(writer);
}

File.WriteAllText(Path.Combine(folder, "report.html"), Html(title, results, suites));

var (passed, failed, skipped) = Tally(results);
Console.WriteLine($"Reports: {Path.Combine(folder, "report.html")} and {Path.Combine(folder, "junit.xml")}");
Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
return 0;

static (int Passed, int Failed, int Skipped) Tally(IReadOnlyCollection<TestResult> tests)
    => (tests.Count(t => t.Outcome == Outcome.Passed), tests.Count(t => t.Outcome == Outcome.Failed), tests.Count(t => t.Outcome == Outcome.Skipped));

static object[] Counts(IReadOnlyCollection<TestResult> tests)
{
    var (_, failed, skipped) = Tally(tests);
    return [new XAttribute("tests", tests.Count), new XAttribute("failures", failed), new XAttribute("errors", 0), new XAttribute("skipped", skipped), Seconds(TimeSpan.FromTicks(tests.Sum(t => t.Duration.Ticks)))];
}

static XAttribute Seconds(TimeSpan duration) => new("time", duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));

static string Html(string title, IReadOnlyCollection<TestResult> results, IEnumerable<IGrouping<string, TestResult>> suites)
{
    static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
    var (passed, failed, skipped) = Tally(results);
    var html = new StringBuilder();
    html.Append(CultureInfo.InvariantCulture, $$"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{E(title)}}</title><style>
        body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2430; } table { border-collapse: collapse; width: 100%; }
        td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e3e8ef; vertical-align: top; } td:first-child { width: 70px; } td:last-child { width: 80px; }
        .Passed { color: #177a3b; } .Failed { color: #b3261e; font-weight: bold; } .Skipped { color: #8a6d00; }
        pre { background: #f5f7fa; padding: 8px; white-space: pre-wrap; font-size: 12px; margin: 4px 0; } h2 { font-size: 15px; margin-top: 24px; }
        </style></head><body><h1>{{E(title)}}</h1>
        <p><b>{{passed}} passed, {{failed}} failed, {{skipped}} skipped</b>, {{results.Count}} tests, {{TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks)).TotalSeconds:0.0}} s of test time, written {{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}} UTC.</p>
        """);
    foreach (var suite in suites)
    {
        var (p, f, s) = Tally(suite.ToList());
        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(suite.Key)} <small>({p} passed, {f} failed, {s} skipped)</small></h2><table>");
        foreach (var test in suite)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"{test.Outcome}\">{test.Outcome}</td><td>{E(test.Name)}");
            if (test.Message is not null || test.Output is not null)
            {
                html.Append("<details").Append(test.Outcome == Outcome.Failed ? " open" : "").Append("><summary>details</summary>");
                if (test.Message is not null)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<pre>{E(test.Message)}\n{E(test.StackTrace)}</pre>");
                }

                if (test.Output is not null)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<pre>{E(test.Output)}</pre>");
                }

                html.Append("</details>");
            }

            html.Append(CultureInfo.InvariantCulture, $"</td><td>{test.Duration.TotalSeconds:0.00} s</td></tr>");
        }

        html.Append("</table>");
    }

    return html.Append("</body></html>").ToString();
}

internal enum Outcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One test's result as a TRX file records it.</summary>
internal sealed record TestResult(string Suite, string Name, Outcome Outcome, TimeSpan Duration, string? Message, string? StackTrace, string? Output)
{
    /// <summary>The file's results; a run that ended badly without any failed test (a crashed test host) counts as one failure.</summary>
    public static IEnumerable<TestResult> AllIn(XDocument file, string fileName, XNamespace trx)
    {
        var results = file.Descendants(trx + "UnitTestResult").Select(r => From(r, file, trx)).ToList();
        var summary = file.Descendants(trx + "ResultSummary").FirstOrDefault();
        if ((string?)summary?.Attribute("outcome") is "Failed" or "Aborted" or "Error" or "Timeout" && results.TrueForAll(r => r.Outcome != Outcome.Failed))
        {
            var why = string.Join("\n", summary!.Descendants(trx + "Text").Select(t => t.Value.Trim()));
            results.Add(new TestResult("(test run)", fileName, Outcome.Failed, TimeSpan.Zero, $"The test run ended {(string?)summary.Attribute("outcome")} without a failed test: {why}", null, null));
        }

        return results;
    }

    private static TestResult From(XElement result, XDocument file, XNamespace trx)
    {
        var testId = (string?)result.Attribute("testId");
        var definition = file.Descendants(trx + "UnitTest").FirstOrDefault(u => (string?)u.Attribute("id") == testId);
        var className = (string?)definition?.Element(trx + "TestMethod")?.Attribute("className");
        var fullName = (string?)result.Attribute("testName") ?? "?";
        var name = className is not null && fullName.StartsWith(className + ".", StringComparison.Ordinal) ? fullName[(className.Length + 1)..] : fullName;
        var outcome = (string?)result.Attribute("outcome") switch
        {
            "Passed" => Outcome.Passed,
            "NotExecuted" or "Inconclusive" => Outcome.Skipped,
            _ => Outcome.Failed, // Failed, Error, Timeout, Aborted
        };
        var output = result.Element(trx + "Output");
        return new TestResult(
            className ?? fullName[..Math.Max(0, fullName.LastIndexOf('.'))], name, outcome,
            TimeSpan.TryParse((string?)result.Attribute("duration"), CultureInfo.InvariantCulture, out var duration) ? duration : TimeSpan.Zero,
            Trimmed(output?.Element(trx + "ErrorInfo")?.Element(trx + "Message")?.Value), Trimmed(output?.Element(trx + "ErrorInfo")?.Element(trx + "StackTrace")?.Value),
            Trimmed(output?.Element(trx + "StdOut")?.Value));
    }

    private static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
