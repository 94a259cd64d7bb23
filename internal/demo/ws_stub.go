package demo

import "net/http"

// The WebSocket handlers need package conn (conn.Accept), which has not
// landed yet; until it does they answer 501.

func (s *Server) serveArticleWS(w http.ResponseWriter, r *http.Request) { notYet(w) }
func (s *Server) serveFoodWS(w http.ResponseWriter, r *http.Request)    { notYet(w) }
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request)      { notYet(w) }

func notYet(w http.ResponseWriter) {
	http.Error(w, "demo: WebSocket support waits for package conn", http.StatusNotImplemented)
}
