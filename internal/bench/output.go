package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
)

// Output file names, inside the output directory.
const (
	FileJSON     = "wsbench.json"
	FileUpdates  = "updates.svg"
	FileRequests = "requests.svg"
	FileRatios   = "ratios.svg"
	FileMarkdown = "wsbench.md"
)

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// ReadJSON reads a report written by WriteJSON, and recomputes its
// ratios from its requests results (so older files gain newer ratios).
func ReadJSON(r io.Reader) (*Report, error) {
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, err
	}
	if len(rep.Requests) > 0 {
		rep.Ratios = ratios(rep.Requests, rep.Config.PerConn)
	}
	for i, l := range rep.Links {
		if len(l.Requests) > 0 {
			rep.Links[i].Ratios = ratios(l.Requests, rep.Config.PerConn)
		}
	}
	return &rep, nil
}

// WriteFiles writes the JSON report and the charts of the experiments
// that ran into dir, creating it if needed, and returns the paths written.
func WriteFiles(dir string, rep *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type file struct {
		name  string
		write func(io.Writer, *Report) error
	}
	files := []file{{FileJSON, WriteJSON}, {FileMarkdown, WriteMarkdown}}
	if len(rep.Updates) > 0 {
		files = append(files, file{FileUpdates, WriteUpdatesSVG})
	}
	if len(rep.Requests) > 0 {
		files = append(files, file{FileRequests, WriteRequestsSVG}, file{FileRatios, WriteRatiosSVG})
	}
	if hasLinkUpdates(rep) {
		files = append(files, file{FileLinkLatency, WriteLinkLatencySVG}, file{FileLinkBytes, WriteLinkBytesSVG})
	}
	if hasLinkRequests(rep) {
		files = append(files, file{FileLinkRequests, WriteLinkRequestsSVG})
	}
	var paths []string
	for _, f := range files {
		var buf bytes.Buffer
		if err := f.write(&buf, rep); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
