package conform

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Counts tallies results by grade.
type Counts map[Grade]int

// Summary tallies results by top-level group and grade, in group order.
type Summary struct {
	Groups []string          // "1", "2", ..., in order
	By     map[string]Counts // group -> grade -> count
	Total  Counts
	Time   map[string]time.Duration // group -> total duration
}

// Summarize tallies results.
func Summarize(results []*Result) Summary {
	s := Summary{By: map[string]Counts{}, Total: Counts{}, Time: map[string]time.Duration{}}
	for _, r := range results {
		g := Group(r.ID)
		if s.By[g] == nil {
			s.By[g] = Counts{}
			s.Groups = append(s.Groups, g)
		}
		s.By[g][r.Grade]++
		s.Total[r.Grade]++
		s.Time[g] += r.Duration
	}
	sort.Slice(s.Groups, func(i, j int) bool { return CompareIDs(s.Groups[i], s.Groups[j]) < 0 })
	return s
}

// Failed reports how many results are FAILED.
func (s Summary) Failed() int { return s.Total[Failed] }

// WriteTable writes the per-group summary table as plain text.
func (s Summary) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%-6s %6s %6s %11s %14s %14s %7s %6s %9s\n", "group", "cases", "OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED", "", "time")
	row := func(name string, c Counts, d time.Duration) {
		n := 0
		for _, v := range c {
			n += v
		}
		fmt.Fprintf(w, "%-6s %6d %6d %11d %14d %14d %7d %6s %9s\n", name, n, c[OK], c[NonStrict], c[Informational], c[Unimplemented], c[Failed], "", d.Round(time.Millisecond))
	}
	var total time.Duration
	for _, g := range s.Groups {
		row(g, s.By[g], s.Time[g])
		total += s.Time[g]
	}
	row("all", s.Total, total)
}

// WriteJSON writes the results as a JSON array, one object per case.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(results)
}

// CaseFile returns the base name of a case's HTML page: "<agent>_case_<id
// with underscores>.html", as the Autobahn|Testsuite names its files.
func CaseFile(r *Result) string {
	agent := r.Agent
	if agent == "" {
		agent = "peer"
	}
	clean := strings.Map(func(c rune) rune {
		if c == '.' || c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return c
		}
		return '_'
	}, agent)
	return strings.ToLower(clean) + "_case_" + strings.ReplaceAll(r.ID, ".", "_") + ".html"
}

// WriteReports writes dir/index.json (the results, one object per case),
// dir/index.html and one dir/<agent>_case_<id>.html page per case.
func WriteReports(dir, title string, results []*Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "index.json"))
	if err != nil {
		return err
	}
	if err := WriteJSON(f, results); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	sum := Summarize(results)
	var table strings.Builder
	sum.WriteTable(&table)
	if err := writeTemplate(filepath.Join(dir, "index.html"), indexTemplate, map[string]any{
		"Title": title, "Table": table.String(), "Results": results,
	}); err != nil {
		return err
	}
	for _, r := range results {
		if err := writeTemplate(filepath.Join(dir, CaseFile(r)), caseTemplate, map[string]any{"Title": title, "R": r}); err != nil {
			return err
		}
	}
	return nil
}

func writeTemplate(path string, t *template.Template, data any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.Execute(f, data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var funcs = template.FuncMap{
	"file":  CaseFile,
	"class": func(g Grade) string { return strings.ToLower(strings.ReplaceAll(string(g), " ", "-")) },
	"ms":    func(d time.Duration) string { return fmt.Sprintf("%.1f", ms(d)) },
	"code": func(c *int) string {
		if c == nil {
			return "none"
		}
		return fmt.Sprint(*c)
	},
	"t": func(d time.Duration) string { return fmt.Sprintf("%9.3f", ms(d)) },
}

const style = `<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
.ok{background:#bfb}.non-strict{background:#ffb}.informational{background:#ccf}.unimplemented{background:#ddd}
.failed,.unclean,.wrong-code,.failed-by-client{background:#fbb}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto}
</style>`

var indexTemplate = template.Must(template.New("index").Funcs(funcs).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title>` + style + `</head><body>
<h1>{{.Title}}</h1>
<pre>{{.Table}}</pre>
<table><tr><th>case</th><th>grade</th><th>behavior</th><th>close</th><th>ms</th><th>peer close code</th><th>description</th></tr>
{{range .Results}}<tr><td><a href="{{file .}}">{{.ID}}</a></td><td class="{{class .Grade}}">{{.Grade}}</td><td class="{{class .Behavior}}">{{.Behavior}}</td><td class="{{class .BehaviorClose}}">{{.BehaviorClose}}</td><td>{{ms .Duration}}</td><td>{{code .RemoteCloseCode}}</td><td>{{.Description}}</td></tr>
{{end}}</table></body></html>
`))

var caseTemplate = template.Must(template.New("case").Funcs(funcs).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Case {{.R.ID}}</title>` + style + `</head><body>
<p><a href="index.html">{{.Title}}</a></p>
<h1>Case {{.R.ID}}: <span class="{{class .R.Grade}}">{{.R.Grade}}</span></h1>
<table>
<tr><th>description</th><td>{{.R.Description}}</td></tr>
<tr><th>expectation</th><td>{{.R.Expectation}}</td></tr>
<tr><th>behavior</th><td class="{{class .R.Behavior}}">{{.R.Behavior}}</td></tr>
<tr><th>close</th><td class="{{class .R.BehaviorClose}}">{{.R.BehaviorClose}}</td></tr>
<tr><th>reason</th><td>{{.R.Reason}}</td></tr>
<tr><th>duration</th><td>{{ms .R.Duration}} ms</td></tr>
<tr><th>closed by</th><td>{{.R.ClosedBy}} (clean: {{.R.Clean}})</td></tr>
<tr><th>peer close code</th><td>{{code .R.RemoteCloseCode}} {{.R.RemoteCloseReason}}</td></tr>
<tr><th>fuzzer close code</th><td>{{code .R.LocalCloseCode}}</td></tr>
{{if .R.Extensions}}<tr><th>extensions</th><td>{{.R.Extensions}}</td></tr>{{end}}
{{range $k, $v := .R.Notes}}<tr><th>{{$k}}</th><td>{{$v}}</td></tr>{{end}}
</table>
<h2>Expected</h2>
{{range .R.Expected}}<p><b>{{.Grade}}</b>: {{if .Events}}{{range .Events}}<br>{{.}}{{end}}{{else}}nothing{{end}}</p>{{else}}<p>(graded directly)</p>{{end}}
<h2>Received</h2>
<p>{{range .R.Received}}{{.}}<br>{{else}}nothing{{end}}</p>
<h2>Opening handshake</h2>
<pre>{{.R.Request}}</pre><pre>{{.R.Response}}</pre>
<h2>Frame log</h2>
<pre>{{range .R.Log}}{{t .At}} ms {{.Dir}} {{.Text}}
{{end}}</pre>
</body></html>
`))
