package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Chart geometry, in SVG user units (pixels).
const (
	chartW, chartH                         = 760, 440
	marginL, marginR, marginT, marginB     = 80, 170, 50, 60
	plotW                                  = chartW - marginL - marginR
	plotH                                  = chartH - marginT - marginB
	fontFamily                             = "system-ui, sans-serif"
	colorRed, colorOrange, colorBlue, gray = "#c0392b", "#e67e22", "#2471a3", "#7f8c8d"
)

var modeColor = map[string]string{
	ModePoll: colorRed, ModeLongPoll: colorOrange, ModeWebSocket: colorBlue,
	ModeHTTPClose: colorRed, ModeHTTPKeepAlive: colorOrange,
}

// svgDoc accumulates one chart.
type svgDoc struct{ b strings.Builder }

func newSVG(title, subtitle string) *svgDoc {
	d := &svgDoc{}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH, fontFamily)
	fmt.Fprintf(&d.b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, chartH)
	d.text(chartW/2, 22, "middle", 16, "bold", title)
	d.text(chartW/2, 40, "middle", 11, "normal", subtitle)
	return d
}

func (d *svgDoc) text(x, y float64, anchor string, size int, weight, s string) {
	fmt.Fprintf(&d.b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" font-weight="%s">%s</text>`+"\n",
		x, y, anchor, size, weight, html.EscapeString(s))
}

func (d *svgDoc) line(x1, y1, x2, y2 float64, stroke string, width float64, dash string) {
	extra := ""
	if dash != "" {
		extra = ` stroke-dasharray="` + dash + `"`
	}
	fmt.Fprintf(&d.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`+"\n", x1, y1, x2, y2, stroke, width, extra)
}

func (d *svgDoc) rect(x, y, w, h float64, fill, title string) {
	fmt.Fprintf(&d.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n", x, y, w, h, fill, html.EscapeString(title))
}

func (d *svgDoc) circle(x, y, r float64, fill, stroke, title string) {
	fmt.Fprintf(&d.b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" stroke="%s" stroke-width="2"><title>%s</title></circle>`+"\n", x, y, r, fill, stroke, html.EscapeString(title))
}

func (d *svgDoc) polyline(pts [][2]float64, stroke, dash string) {
	var sb strings.Builder
	for _, p := range pts {
		fmt.Fprintf(&sb, "%.1f,%.1f ", p[0], p[1])
	}
	extra := ""
	if dash != "" {
		extra = ` stroke-dasharray="` + dash + `"`
	}
	fmt.Fprintf(&d.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.TrimSpace(sb.String()), stroke, extra)
}

// whisker draws the min–max spread of a round at x.
func (d *svgDoc) whisker(x, yMin, yMax float64) {
	if math.Abs(yMax-yMin) < 1 {
		return
	}
	d.line(x, yMin, x, yMax, "#222", 1, "")
	d.line(x-4, yMin, x+4, yMin, "#222", 1, "")
	d.line(x-4, yMax, x+4, yMax, "#222", 1, "")
}

func (d *svgDoc) legend(items []string, colors []string) {
	x, y := float64(chartW-marginR+15), float64(marginT+10)
	for i, it := range items {
		d.rect(x, y+float64(i)*20-9, 12, 12, colors[i], it)
		d.text(x+18, y+float64(i)*20+1, "start", 12, "normal", it)
	}
}

func (d *svgDoc) axes(yLabel, xLabel string) {
	d.line(marginL, marginT, marginL, marginT+plotH, "#333", 1, "")
	d.line(marginL, marginT+plotH, marginL+plotW, marginT+plotH, "#333", 1, "")
	fmt.Fprintf(&d.b, `<text transform="translate(18,%d) rotate(-90)" text-anchor="middle" font-size="12">%s</text>`+"\n", marginT+plotH/2, html.EscapeString(yLabel))
	d.text(marginL+plotW/2, chartH-12, "middle", 12, "normal", xLabel)
}

func (d *svgDoc) finish(w io.Writer) error {
	d.b.WriteString("</svg>\n")
	_, err := io.WriteString(w, d.b.String())
	return err
}

// logScale maps values in [lo, hi] (powers of ten) to plot heights.
type logScale struct{ lo, hi float64 }

func newLogScale(values []float64) logScale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	s := logScale{math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))}
	if s.hi <= s.lo {
		s.hi = s.lo * 10
	}
	return s
}

func (s logScale) y(v float64) float64 {
	if v <= 0 {
		v = s.lo
	}
	f := (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	return marginT + plotH - f*plotH
}

func (s logScale) grid(d *svgDoc) {
	for p := s.lo; p <= s.hi*1.0001; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := p * m
			if v > s.hi*1.0001 {
				break
			}
			y := s.y(v)
			if m == 1 {
				d.line(marginL, y, marginL+plotW, y, "#ccc", 1, "")
			} else {
				d.line(marginL, y, marginL+plotW, y, "#eee", 1, "")
			}
			d.text(marginL-6, y+4, "end", 11, "normal", formatTick(v))
		}
	}
}

// linScale maps [0, hi] to plot heights, hi rounded up to a nice step.
type linScale struct{ hi, step float64 }

func newLinScale(max float64) linScale {
	if max <= 0 {
		max = 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if mag*m >= raw {
			step = mag * m
			break
		}
	}
	return linScale{hi: math.Ceil(max/step) * step, step: step}
}

func (s linScale) y(v float64) float64 { return marginT + plotH - v/s.hi*plotH }

func (s linScale) grid(d *svgDoc) {
	for v := 0.0; v <= s.hi*1.0001; v += s.step {
		y := s.y(v)
		d.line(marginL, y, marginL+plotW, y, "#e5e5e5", 1, "")
		d.text(marginL-6, y+4, "end", 11, "normal", formatTick(v))
	}
}

func formatTick(v float64) string {
	switch {
	case v >= 1e6 && math.Mod(v, 1e6) == 0:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3 && math.Mod(v, 1e3) == 0:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

func formatValue(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// headerNote says when requests carried a browser's header fields.
func headerNote(cfg Config) string {
	if cfg.BrowserHeaders {
		return ", browser headers"
	}
	return ""
}

// WriteUpdatesSVG draws bytes on the wire per delivered update, by mode and
// client count, as grouped bars on a log scale with the rounds' spread.
func WriteUpdatesSVG(w io.Writer, rep *Report) error {
	cfg := rep.Config
	d := newSVG("Bytes on the wire per delivered update",
		fmt.Sprintf("%d updates at %g/s, %d-byte payload, polling every %v%s; median of %d rounds, whiskers min–max; %d CPUs",
			cfg.Updates, cfg.Rate, cfg.Size, cfg.PollInterval, headerNote(cfg), cfg.Rounds, rep.Machine.NumCPU))
	var vals []float64
	for _, u := range rep.Updates {
		vals = append(vals, u.BytesPerUpdate.Min, u.BytesPerUpdate.Max)
	}
	sc := newLogScale(vals)
	sc.grid(d)
	d.axes("bytes per update (log scale)", "clients")
	groups := cfg.Clients
	gw := float64(plotW) / float64(max(len(groups), 1))
	bw := gw * 0.8 / float64(len(UpdateModes))
	for gi, c := range groups {
		gx := marginL + gw*float64(gi) + gw*0.1
		d.text(marginL+gw*(float64(gi)+0.5), marginT+plotH+18, "middle", 12, "normal", strconv.Itoa(c))
		for mi, mode := range UpdateModes {
			for _, u := range rep.Updates {
				if u.Mode != mode || u.Clients != c {
					continue
				}
				x := gx + bw*float64(mi)
				y := sc.y(u.BytesPerUpdate.Median)
				d.rect(x+1, y, bw-2, marginT+plotH-y, modeColor[mode],
					fmt.Sprintf("%s, %d clients: %s bytes/update", mode, c, formatSpread(u.BytesPerUpdate, 1)))
				d.whisker(x+bw/2, sc.y(u.BytesPerUpdate.Min), sc.y(u.BytesPerUpdate.Max))
				d.text(x+bw/2, math.Min(y, sc.y(u.BytesPerUpdate.Max))-4, "middle", 10, "normal", formatValue(u.BytesPerUpdate.Median))
			}
		}
	}
	d.legend(UpdateModes, []string{modeColor[ModePoll], modeColor[ModeLongPoll], modeColor[ModeWebSocket]})
	return d.finish(w)
}

// WriteRequestsSVG draws requests per second against requests per
// connection for each request/response mode, with the rounds' spread, and
// the article's HTTP and WebSocket peaks (from its own machine) for scale.
func WriteRequestsSVG(w io.Writer, rep *Report) error {
	cfg := rep.Config
	d := newSVG("Requests per second against requests per connection",
		fmt.Sprintf("%d-byte echo, %d client workers, %v per cell%s; median of %d rounds, whiskers min–max; %d CPUs",
			cfg.Size, cfg.Concurrency, cfg.Duration, headerNote(cfg), cfg.Rounds, rep.Machine.NumCPU))
	hi := 3900.0
	for _, r := range rep.Requests {
		hi = math.Max(hi, r.PerSecond.Max)
	}
	sc := newLinScale(hi * 1.05)
	sc.grid(d)
	d.axes("requests per second", "requests per connection (R)")
	xs := cfg.PerConn
	step := float64(plotW) / float64(max(len(xs), 1))
	xOf := func(i int) float64 { return marginL + step*(float64(i)+0.5) }
	for i, r := range xs {
		d.text(xOf(i), marginT+plotH+18, "middle", 12, "normal", strconv.Itoa(r))
	}
	for mi, mode := range RequestModes {
		dx := float64(mi-1) * 5 // keep the whiskers of the modes apart
		var pts [][2]float64
		for i, pc := range xs {
			for _, r := range rep.Requests {
				if r.Mode == mode && r.PerConn == pc {
					pts = append(pts, [2]float64{xOf(i) + dx, sc.y(r.PerSecond.Median)})
				}
			}
		}
		d.polyline(pts, modeColor[mode], "")
		for i, pc := range xs {
			for _, r := range rep.Requests {
				if r.Mode == mode && r.PerConn == pc {
					d.whisker(xOf(i)+dx, sc.y(r.PerSecond.Min), sc.y(r.PerSecond.Max))
					d.circle(xOf(i)+dx, sc.y(r.PerSecond.Median), 4, modeColor[mode], modeColor[mode],
						fmt.Sprintf("%s, R=%d: %s req/s", mode, pc, formatSpread(r.PerSecond, 0)))
				}
			}
		}
	}
	// The article's peaks, measured on its author's machine with Node and Socket.io.
	for i, pc := range xs {
		if pc >= 500 {
			d.circle(xOf(i), sc.y(950), 5, "white", gray, "article, HTTP: ~950 req/s")
			d.circle(xOf(i), sc.y(3900), 5, "white", colorBlue, "article, Socket.io: ~3900 req/s")
		}
	}
	d.legend([]string{ModeHTTPClose, ModeHTTPKeepAlive, ModeWSRequests, "article (○)"},
		[]string{modeColor[ModeHTTPClose], modeColor[ModeHTTPKeepAlive], colorBlue, gray})
	return d.finish(w)
}

// WriteRatiosSVG draws the WebSocket/HTTP throughput ratio at each R, ours
// against both HTTP modes, and the article's.
func WriteRatiosSVG(w io.Writer, rep *Report) error {
	cfg := rep.Config
	d := newSVG("WebSocket against HTTP, by requests/s and by CPU time per request",
		fmt.Sprintf("ratios of medians; above 1: WebSocket faster (or cheaper); %d CPUs", rep.Machine.NumCPU))
	var vals []float64
	for _, r := range rep.Ratios {
		vals = append(vals, r.WSOverNewConn, r.WSOverKeepAlive, r.CPUNewConnOverWS, r.CPUKeepAliveOverWS, r.Article)
	}
	sc := newLogScale(vals)
	sc.grid(d)
	d.axes("WebSocket / HTTP (log scale)", "requests per connection (R)")
	d.line(marginL, sc.y(1), marginL+plotW, sc.y(1), "#333", 1.5, "6,4")
	step := float64(plotW) / float64(max(len(cfg.PerConn), 1))
	xOf := func(i int) float64 { return marginL + step*(float64(i)+0.5) }
	series := []struct {
		name, color, dash string
		hollow            bool
		v                 func(Ratio) float64
	}{
		{"req/s vs new conn", colorRed, "", false, func(r Ratio) float64 { return r.WSOverNewConn }},
		{"req/s vs keep-alive", colorOrange, "", false, func(r Ratio) float64 { return r.WSOverKeepAlive }},
		{"CPU vs new conn", colorRed, "2,3", true, func(r Ratio) float64 { return r.CPUNewConnOverWS }},
		{"CPU vs keep-alive", colorOrange, "2,3", true, func(r Ratio) float64 { return r.CPUKeepAliveOverWS }},
		{"article (req/s)", gray, "6,3", false, func(r Ratio) float64 { return r.Article }},
	}
	for i, r := range rep.Ratios {
		d.text(xOf(i), marginT+plotH+18, "middle", 12, "normal", strconv.Itoa(r.PerConn))
	}
	for _, s := range series {
		var pts [][2]float64
		for i, r := range rep.Ratios {
			if v := s.v(r); v > 0 {
				pts = append(pts, [2]float64{xOf(i), sc.y(v)})
			}
		}
		d.polyline(pts, s.color, s.dash)
		for i, r := range rep.Ratios {
			if v := s.v(r); v > 0 {
				fill := s.color
				if s.hollow {
					fill = "white"
				}
				d.circle(xOf(i), sc.y(v), 4, fill, s.color, fmt.Sprintf("%s, R=%d: %.2f", s.name, r.PerConn, v))
			}
		}
	}
	// Legend: a line sample and a marker per series.
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
