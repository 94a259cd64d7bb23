package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Files of a run over emulated links, inside the output directory.
const (
	FileLinkLatency  = "link-latency.svg"
	FileLinkBytes    = "link-bytes.svg"
	FileLinkRequests = "link-requests.svg"
)

func hasLinkUpdates(rep *Report) bool {
	for _, l := range rep.Links {
		if len(l.Updates) > 0 {
			return true
		}
	}
	return false
}

func hasLinkRequests(rep *Report) bool {
	for _, l := range rep.Links {
		if len(l.Requests) > 0 {
			return true
		}
	}
	return false
}

// linkLabel names a link by its round trip in milliseconds, as asked and
// as measured.
func linkLabel(l LinkResult) string {
	return fmt.Sprintf("%s (%.1f)", rttMs(l.Link), l.MeasuredRTTms)
}

// rttMs gives a link's round trip in milliseconds, as "20".
func rttMs(l Link) string {
	return strconv.FormatFloat(float64(l.RTT)/1e6, 'f', -1, 64)
}

// linkBandwidth describes the bandwidth of a run's links.
func linkBandwidth(cfg Config) string {
	if cfg.Bandwidth > 0 {
		return FormatBandwidth(cfg.Bandwidth) + " each way"
	}
	return "unlimited bandwidth"
}

// linkIntro is the sentence before the link tables.
func linkIntro(rep *Report) string {
	cfg := rep.Config
	where := "in a child process, so its CPU time is not in the figures"
	for _, l := range rep.Links {
		if !l.RelayProcess {
			where = "in this process, so its work is in the CPU figures"
		}
	}
	return fmt.Sprintf("Through an emulated link (a relay on 127.0.0.1 that delays every byte by RTT/2 each way and a new connection's first bytes by one RTT more; %s; the relay runs %s). RTT as asked, and in brackets as measured by one-byte exchanges through a relay just before (ms).",
		linkBandwidth(cfg), where)
}

// linkUpdatesCells gives one row of the link updates table.
func linkUpdatesCells(l LinkResult, u UpdatesResult) []string {
	return []string{linkLabel(l), strconv.Itoa(u.Clients), u.Mode,
		formatSpread(u.BytesPerUpdate, 0), formatSpread(u.Requests, 0), formatSpread(u.Empty, 0),
		formatSpread(u.P50ms, 1), formatSpread(u.P99ms, 1), formatSpread(u.CPUUsPerUpdate, 0)}
}

var linkUpdatesHeader = []string{"RTT ms", "clients", "mode", "bytes/update", "requests", "empty", "latency p50 ms", "latency p99 ms", "CPU µs/update"}

// linkRequestsCells gives one row of the link requests table.
func linkRequestsCells(l LinkResult, rt Ratio, by map[string]RequestsResult) []string {
	k := "/" + strconv.Itoa(rt.PerConn)
	article := rt.ArticleClaim
	if rt.Article > 0 {
		article = fmt.Sprintf("%.2f (%s)", rt.Article, rt.ArticleClaim)
	}
	return []string{linkLabel(l), strconv.Itoa(rt.PerConn),
		formatSpread(by[ModeHTTPClose+k].PerSecond, 0), formatSpread(by[ModeHTTPKeepAlive+k].PerSecond, 0),
		formatSpread(by[ModeWSRequests+k].PerSecond, 0),
		fmt.Sprintf("%.2f", rt.WSOverNewConn), fmt.Sprintf("%.2f", rt.WSOverKeepAlive),
		fmt.Sprintf("%.0f / %.0f / %.0f", by[ModeHTTPClose+k].CPUUsPerRequest.Median,
			by[ModeHTTPKeepAlive+k].CPUUsPerRequest.Median, by[ModeWSRequests+k].CPUUsPerRequest.Median),
		article}
}

var linkRequestsHeader = []string{"RTT ms", "R per conn", "HTTP new conn req/s", "HTTP keep-alive req/s", "WebSocket req/s", "WS / new conn", "WS / keep-alive", "CPU µs/request (new conn / keep-alive / WS)", "article WS / HTTP"}

func linkRequestsBy(l LinkResult) map[string]RequestsResult {
	by := map[string]RequestsResult{}
	for _, r := range l.Requests {
		by[r.Mode+"/"+strconv.Itoa(r.PerConn)] = r
	}
	return by
}

// writeLinkTables writes the link results as plain-text tables (markdown
// false) or Markdown tables.
func writeLinkTables(w io.Writer, rep *Report, markdown bool) error {
	if len(rep.Links) == 0 {
		return nil
	}
	cfg := rep.Config
	table := func(header []string, rows [][]string) error {
		if markdown {
			fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
			align := make([]string, len(header))
			for i, h := range header {
				align[i] = "---:"
				if h == "mode" || strings.HasPrefix(h, "article") {
					align[i] = "---"
				}
			}
			fmt.Fprintln(w, "|"+strings.Join(align, "|")+"|")
			for _, r := range rows {
				fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
			}
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
		}
		return tw.Flush()
	}
	if markdown {
		fmt.Fprintf(w, "\n%s\n", linkIntro(rep))
	} else {
		fmt.Fprintf(w, "\nOVER AN EMULATED LINK: %s\n", linkIntro(rep))
	}
	if hasLinkUpdates(rep) {
		if markdown {
			fmt.Fprintf(w, "\n**Updates** over the link: %d updates at %g/s, %d-byte payload, polling every %v.\n\n",
				cfg.Updates, cfg.Rate, cfg.Size, cfg.PollInterval)
		} else {
			fmt.Fprintf(w, "\nupdates: %d updates at %g/s, %d-byte payload, polling every %v\n",
				cfg.Updates, cfg.Rate, cfg.Size, cfg.PollInterval)
		}
		var rows [][]string
		for _, l := range rep.Links {
			for _, u := range l.Updates {
				rows = append(rows, linkUpdatesCells(l, u))
			}
		}
		if err := table(linkUpdatesHeader, rows); err != nil {
			return err
		}
	}
	if hasLinkRequests(rep) {
		if markdown {
			fmt.Fprintf(w, "\n**Requests** over the link: %d-byte request and response, %d client workers, %v per cell (a connection begun is finished).\n\n",
				cfg.Size, cfg.Concurrency, cfg.Duration)
		} else {
			fmt.Fprintf(w, "\nrequests: %d-byte request and response, %d client workers, %v per cell\n",
				cfg.Size, cfg.Concurrency, cfg.Duration)
		}
		var rows [][]string
		for _, l := range rep.Links {
			by := linkRequestsBy(l)
			for _, rt := range l.Ratios {
				rows = append(rows, linkRequestsCells(l, rt, by))
			}
		}
		if err := table(linkRequestsHeader, rows); err != nil {
			return err
		}
	}
	return nil
}

// chartClients is the client count the link charts show: the largest.
func chartClients(cfg Config) int {
	c := 0
	for _, n := range cfg.Clients {
		c = max(c, n)
	}
	return c
}

// A lineSeries is one line of a lineChart: a value (with its rounds'
// spread) at some of the chart's x positions.
type lineSeries struct {
	name, color, dash string
	hollow            bool
	pts               []linePoint
}

type linePoint struct {
	x           int
	v, min, max float64
}

// lineChart draws series over categorical x positions on a log scale,
// with whiskers for the spread, and a legend on the right.
func lineChart(w io.Writer, title, subtitle, yLabel, xLabel string, xs []string, series []lineSeries) error {
	d := newSVG(title, subtitle)
	var vals []float64
	for _, s := range series {
		for _, p := range s.pts {
			vals = append(vals, p.v, p.min, p.max)
		}
	}
	sc := newLogScale(vals)
	sc.grid(d)
	d.axes(yLabel, xLabel)
	step := float64(plotW) / float64(max(len(xs), 1))
	xOf := func(i int) float64 { return marginL + step*(float64(i)+0.5) }
	for i, x := range xs {
		d.text(xOf(i), marginT+plotH+18, "middle", 12, "normal", x)
	}
	for si, s := range series {
		dx := float64(si%3-1) * 4 // keep the whiskers of neighbouring series apart
		var pts [][2]float64
		for _, p := range s.pts {
			if p.v > 0 {
				pts = append(pts, [2]float64{xOf(p.x) + dx, sc.y(p.v)})
			}
		}
		d.polyline(pts, s.color, s.dash)
		for _, p := range s.pts {
			if p.v <= 0 {
				continue
			}
			if p.min > 0 && p.max > 0 {
				d.whisker(xOf(p.x)+dx, sc.y(p.min), sc.y(p.max))
			}
			fill := s.color
			if s.hollow {
				fill = "white"
			}
			d.circle(xOf(p.x)+dx, sc.y(p.v), 3.5, fill, s.color,
				fmt.Sprintf("%s at %s: %s", s.name, xs[p.x], formatValue(p.v)))
		}
	}
	lx, ly := float64(chartW-marginR+12), float64(marginT+10)
	for i, s := range series {
		y := ly + float64(i)*20
		d.line(lx, y-4, lx+22, y-4, s.color, 2, s.dash)
		fill := s.color
		if s.hollow {
			fill = "white"
		}
		d.circle(lx+11, y-4, 3.5, fill, s.color, s.name)
		d.text(lx+28, y, "start", 11, "normal", s.name)
	}
	return d.finish(w)
}

// rttLabels names the x positions of the link charts.
func rttLabels(rep *Report) []string {
	var xs []string
	for _, l := range rep.Links {
		xs = append(xs, rttMs(l.Link)+" ms")
	}
	return xs
}

// linkUpdateSeries gives, per update mode, the value f of the chart's
// client count at each link.
func linkUpdateSeries(rep *Report, f func(UpdatesResult) Spread, dash string, suffix string) []lineSeries {
	c := chartClients(rep.Config)
	var out []lineSeries
	for _, mode := range UpdateModes {
		s := lineSeries{name: mode + suffix, color: modeColor[mode], dash: dash, hollow: dash != ""}
		for i, l := range rep.Links {
			for _, u := range l.Updates {
				if u.Mode == mode && u.Clients == c {
					v := f(u)
					s.pts = append(s.pts, linePoint{i, v.Median, v.Min, v.Max})
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// WriteLinkLatencySVG draws the delivery latency (p50 and p99) of each
// update mode against the round-trip time, with RTT/2 (the one-way delay,
// the least any delivery can take) for reference.
func WriteLinkLatencySVG(w io.Writer, rep *Report) error {
	cfg := rep.Config
	series := linkUpdateSeries(rep, func(u UpdatesResult) Spread { return u.P50ms }, "", " p50")
	series = append(series, linkUpdateSeries(rep, func(u UpdatesResult) Spread { return u.P99ms }, "2,3", " p99")...)
	half := lineSeries{name: "RTT/2", color: gray, dash: "6,3", hollow: true}
	for i, l := range rep.Links {
		half.pts = append(half.pts, linePoint{i, float64(l.Link.RTT) / 2e6, 0, 0})
	}
	series = append(series, half)
	return lineChart(w, "Delivery latency against round-trip time",
		fmt.Sprintf("%d clients, %d updates at %g/s, polling every %v, %s; median of %d rounds, whiskers min–max; %d CPUs",
			chartClients(cfg), cfg.Updates, cfg.Rate, cfg.PollInterval, linkBandwidth(cfg), cfg.Rounds, rep.Machine.NumCPU),
		"ms from creation to receipt (log scale)", "round-trip time of the emulated link", rttLabels(rep), series)
}

// WriteLinkBytesSVG draws bytes on the wire per delivered update of each
// mode against the round-trip time.
func WriteLinkBytesSVG(w io.Writer, rep *Report) error {
	cfg := rep.Config
	series := linkUpdateSeries(rep, func(u UpdatesResult) Spread { return u.BytesPerUpdate }, "", "")
	return lineChart(w, "Bytes on the wire per update against round-trip time",
		fmt.Sprintf("%d clients, %d updates at %g/s, polling every %v, %s; median of %d rounds, whiskers min–max",
			chartClients(cfg), cfg.Updates, cfg.Rate, cfg.PollInterval, linkBandwidth(cfg), cfg.Rounds),
		"bytes per delivered update (log scale)", "round-trip time of the emulated link", rttLabels(rep), series)
}

// linkPalette colours the links of the requests chart, shortest RTT first.
var linkPalette = []string{"#7f8c8d", "#27ae60", "#8e44ad", "#c0392b", "#2471a3", "#e67e22"}

// WriteLinkRequestsSVG draws WebSocket's requests per second over HTTP's
// against requests per connection, one pair of lines per round trip, and
// the article's ratios.
func WriteLinkRequestsSVG(w io.Writer, rep *Report) error {
	cfg := rep.Config
	var xs []string
	for _, pc := range cfg.PerConn {
		xs = append(xs, strconv.Itoa(pc))
	}
	var series []lineSeries
	for li, l := range rep.Links {
		color := linkPalette[li%len(linkPalette)]
		nc := lineSeries{name: rttMs(l.Link) + " ms: vs new conn", color: color}
		ka := lineSeries{name: rttMs(l.Link) + " ms: vs keep-alive", color: color, dash: "2,3", hollow: true}
		for i, pc := range cfg.PerConn {
			for _, rt := range l.Ratios {
				if rt.PerConn == pc {
					nc.pts = append(nc.pts, linePoint{i, rt.WSOverNewConn, 0, 0})
					ka.pts = append(ka.pts, linePoint{i, rt.WSOverKeepAlive, 0, 0})
				}
			}
		}
		series = append(series, nc, ka)
	}
	art := lineSeries{name: "article", color: "#222", dash: "6,3", hollow: true}
	for i, pc := range cfg.PerConn {
		if a, ok := ArticleClaims[pc]; ok && a.Ratio > 0 {
			art.pts = append(art.pts, linePoint{i, a.Ratio, 0, 0})
		}
	}
	series = append(series, art)
	return lineChart(w, "WebSocket requests/s over HTTP's, by round-trip time",
		fmt.Sprintf("%d-byte echo, %d client workers, %v per cell, %s; ratios of medians of %d rounds; above 1: WebSocket faster",
			cfg.Size, cfg.Concurrency, cfg.Duration, linkBandwidth(cfg), cfg.Rounds),
		"WebSocket / HTTP requests per second (log scale)", "requests per connection (R)", xs, series)
}
