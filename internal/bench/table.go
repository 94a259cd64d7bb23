package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// formatSpread writes a spread as "median (min–max)" with prec decimals.
func formatSpread(s Spread, prec int) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', prec, 64) }
	if s.Min == s.Max {
		return f(s.Median)
	}
	return f(s.Median) + " (" + f(s.Min) + "–" + f(s.Max) + ")"
}

// timesWS returns u's median bytes per update over WebSocket's at the
// same client count.
func timesWS(rep *Report, u UpdatesResult) string {
	for _, w := range rep.Updates {
		if w.Mode == ModeWebSocket && w.Clients == u.Clients && w.BytesPerUpdate.Median > 0 {
			return strconv.FormatFloat(u.BytesPerUpdate.Median/w.BytesPerUpdate.Median, 'f', 1, 64)
		}
	}
	return "-"
}

// countCheck says whether the clients' and the server's byte counts
// agreed in every round ("" when the server ran elsewhere).
func countCheck(rep *Report) string {
	rounds, off := 0, 0
	updates, requests := rep.Updates, rep.Requests
	for _, l := range rep.Links {
		updates, requests = append(updates, l.Updates...), append(requests, l.Requests...)
	}
	for _, u := range updates {
		for _, s := range u.Rounds {
			rounds++
			if s.ServerBy != s.Bytes {
				off++
			}
		}
	}
	for _, r := range requests {
		for _, s := range r.Rounds {
			rounds++
			if s.ServerBy != s.Bytes {
				off++
			}
		}
	}
	if !strings.HasPrefix(rep.Machine.Server, "in-process") || rounds == 0 {
		return ""
	}
	if off == 0 {
		return fmt.Sprintf("byte counts: the clients' and the server's agree in all %d rounds", rounds)
	}
	return fmt.Sprintf("byte counts: the clients' and the server's DISAGREE in %d of %d rounds (see server_bytes in the JSON)", off, rounds)
}

// WriteTable writes the report as plain-text tables.
func WriteTable(w io.Writer, rep *Report) error {
	m, cfg := rep.Machine, rep.Config
	fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s", m.NumCPU, m.GOMAXPROCS, m.GOOS, m.GOARCH, m.GoVersion)
	if m.CPUModel != "" {
		fmt.Fprintf(w, ", %s", m.CPUModel)
	}
	if m.LoadAvg != "" {
		fmt.Fprintf(w, ", load average at start %s", m.LoadAvg)
	}
	hdr := "Go's client (User-Agent, Accept-Encoding)"
	if cfg.BrowserHeaders {
		hdr = "a browser's (see BrowserHeader)"
	}
	fmt.Fprintf(w, "\nserver: %s; %d measured rounds (median, and min–max in brackets), warm-up excluded: %v; request headers: %s\n", m.Server, cfg.Rounds, !cfg.NoWarm, hdr)
	if c := countCheck(rep); c != "" {
		fmt.Fprintln(w, c)
	}
	if len(rep.Updates) > 0 {
		fmt.Fprintf(w, "\nUPDATES: %d updates at %g/s, %d-byte payload (%d bytes with sequence number and time), polling every %v\n",
			cfg.Updates, cfg.Rate, cfg.Size, cfg.Size+recordHeaderLen, cfg.PollInterval)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "clients\tmode\tbytes/update\t× WebSocket\trequests\tempty\tlatency p50 ms\tlatency p99 ms\tCPU µs/update\t")
		for _, u := range rep.Updates {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", u.Clients, u.Mode,
				formatSpread(u.BytesPerUpdate, 0), timesWS(rep, u), formatSpread(u.Requests, 0), formatSpread(u.Empty, 0),
				formatSpread(u.P50ms, 2), formatSpread(u.P99ms, 2), formatSpread(u.CPUUsPerUpdate, 0))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Idle) > 0 {
		fmt.Fprintf(w, "\nmemory held per waiting client, %d clients at once (clients and server together: heap in use + stacks after GC)\n", rep.Idle[0].Clients)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "mode\tKiB/client\tgoroutines/client\t")
		for _, m := range rep.Idle {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", m.Mode, formatSpread(m.KiBPerClient, 1), formatSpread(m.GoroutinesPerClient, 1))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Requests) > 0 {
		fmt.Fprintf(w, "\nREQUESTS: %d-byte request and response, %d client workers, %v per cell\n", cfg.Size, cfg.Concurrency, cfg.Duration)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "R/conn\tHTTP new conn req/s\tHTTP keep-alive req/s\tWebSocket req/s\tWS/new-conn\tWS/keep-alive\tarticle WS/HTTP\t")
		by := requestsBy(rep)
		for _, row := range requestsRows(rep) {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nper request (medians): bytes on the wire, and process CPU time\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "R/conn\tbytes new conn\tbytes keep-alive\tbytes WebSocket\tCPU µs new conn\tCPU µs keep-alive\tCPU µs WebSocket\tCPU new conn/WS\tCPU keep-alive/WS\t")
		for _, pc := range cfg.PerConn {
			fmt.Fprintf(tw, "%d", pc)
			for _, f := range perRequestFigures(by, pc) {
				fmt.Fprintf(tw, "\t%.0f", f)
			}
			rt := ratioAt(rep, pc)
			fmt.Fprintf(tw, "\t%.2f\t%.2f\t\n", rt.CPUNewConnOverWS, rt.CPUKeepAliveOverWS)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return writeLinkTables(w, rep, false)
}

// ratioAt returns the report's ratios at R=pc (zero if absent).
func ratioAt(rep *Report, pc int) Ratio {
	for _, rt := range rep.Ratios {
		if rt.PerConn == pc {
			return rt
		}
	}
	return Ratio{PerConn: pc}
}

// perRequestFigures returns the median bytes per request of the three
// request modes at R=pc, then their median CPU µs per request.
func perRequestFigures(by map[string]RequestsResult, pc int) []float64 {
	k := "/" + strconv.Itoa(pc)
	var out []float64
	for _, m := range RequestModes {
		out = append(out, by[m+k].BytesPerRequest.Median)
	}
	for _, m := range RequestModes {
		out = append(out, by[m+k].CPUUsPerRequest.Median)
	}
	return out
}

// WriteMarkdown writes the report's tables as Markdown, for the README.
func WriteMarkdown(w io.Writer, rep *Report) error {
	m, cfg := rep.Machine, rep.Config
	fmt.Fprintf(w, "Machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s", m.NumCPU, m.GOMAXPROCS, m.GOOS, m.GOARCH, m.GoVersion)
	if m.CPUModel != "" {
		fmt.Fprintf(w, ", %s", m.CPUModel)
	}
	if m.LoadAvg != "" {
		fmt.Fprintf(w, "; load average %s at the start", m.LoadAvg)
	}
	fmt.Fprintf(w, ". Server: %s. Median of %d rounds, min–max in brackets, warm-up excluded.", m.Server, cfg.Rounds)
	if c := countCheck(rep); c != "" {
		fmt.Fprintf(w, " %s%s.", strings.ToUpper(c[:1]), c[1:])
	}
	fmt.Fprintln(w)
	if len(rep.Updates) > 0 {
		fmt.Fprintf(w, "\n**Updates**: %d updates at %g/s, %d-byte payload (%d bytes with sequence number and time), polling every %v.\n\n",
			cfg.Updates, cfg.Rate, cfg.Size, cfg.Size+recordHeaderLen, cfg.PollInterval)
		fmt.Fprintln(w, "| clients | mode | bytes/update | × WebSocket | requests | empty | latency p50 ms | latency p99 ms | CPU µs/update |")
		fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, u := range rep.Updates {
			fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", u.Clients, u.Mode,
				formatSpread(u.BytesPerUpdate, 0), timesWS(rep, u), formatSpread(u.Requests, 0), formatSpread(u.Empty, 0),
				formatSpread(u.P50ms, 2), formatSpread(u.P99ms, 2), formatSpread(u.CPUUsPerUpdate, 0))
		}
	}
	if len(rep.Idle) > 0 {
		fmt.Fprintf(w, "\nMemory held per waiting client, %d clients at once (clients and server together: heap in use plus goroutine stacks after GC; polling clients between two polls, long polls parked, WebSocket connections open).\n\n", rep.Idle[0].Clients)
		fmt.Fprintln(w, "| mode | KiB per client | goroutines per client |")
		fmt.Fprintln(w, "|---|---:|---:|")
		for _, m := range rep.Idle {
			fmt.Fprintf(w, "| %s | %s | %s |\n", m.Mode, formatSpread(m.KiBPerClient, 1), formatSpread(m.GoroutinesPerClient, 1))
		}
	}
	if len(rep.Requests) > 0 {
		fmt.Fprintf(w, "\n**Requests**: %d-byte request and response, %d client workers, %v per cell (a connection begun is finished).\n\n", cfg.Size, cfg.Concurrency, cfg.Duration)
		fmt.Fprintln(w, "| R per conn | HTTP new conn req/s | HTTP keep-alive req/s | WebSocket req/s | WS / new conn | WS / keep-alive | article WS / HTTP |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---|")
		by := requestsBy(rep)
		for _, row := range requestsRows(rep) {
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		}
		fmt.Fprint(w, "\nPer request (medians): bytes on the wire, and process CPU time.\n\n")
		fmt.Fprintln(w, "| R per conn | bytes, new conn | bytes, keep-alive | bytes, WebSocket | CPU µs, new conn | CPU µs, keep-alive | CPU µs, WebSocket | CPU new conn / WS | CPU keep-alive / WS |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, pc := range cfg.PerConn {
			fmt.Fprintf(w, "| %d |", pc)
			for _, f := range perRequestFigures(by, pc) {
				fmt.Fprintf(w, " %.0f |", f)
			}
			rt := ratioAt(rep, pc)
			fmt.Fprintf(w, " %.2f | %.2f |\n", rt.CPUNewConnOverWS, rt.CPUKeepAliveOverWS)
		}
	}
	return writeLinkTables(w, rep, true)
}

// requestsRows gives the cells of the requests table, one row per R: the
// requests per second of each mode (median and spread), the WebSocket
// ratios, and the article's figure. The terminal and Markdown tables both
// print them.
func requestsRows(rep *Report) [][]string {
	by := requestsBy(rep)
	var rows [][]string
	for _, rt := range rep.Ratios {
		k := "/" + strconv.Itoa(rt.PerConn)
		article := rt.ArticleClaim
		if rt.Article > 0 {
			article = fmt.Sprintf("%.2f (%s)", rt.Article, rt.ArticleClaim)
		}
		rows = append(rows, []string{strconv.Itoa(rt.PerConn),
			formatSpread(by[ModeHTTPClose+k].PerSecond, 0), formatSpread(by[ModeHTTPKeepAlive+k].PerSecond, 0),
			formatSpread(by[ModeWSRequests+k].PerSecond, 0),
			fmt.Sprintf("%.2f", rt.WSOverNewConn), fmt.Sprintf("%.2f", rt.WSOverKeepAlive), article})
	}
	return rows
}

// requestsBy indexes the requests results by "mode/R".
func requestsBy(rep *Report) map[string]RequestsResult {
	by := map[string]RequestsResult{}
	for _, r := range rep.Requests {
		by[r.Mode+"/"+strconv.Itoa(r.PerConn)] = r
	}
	return by
}
