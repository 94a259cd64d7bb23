package conform

// Grade is the verdict on one case, in the Autobahn|Testsuite's words.
type Grade string

// The grades of a case's behavior (catalogue, section 1.1).
const (
	OK            Grade = "OK"            // the ideal behaviour
	NonStrict     Grade = "NON-STRICT"    // acceptable but not ideal (e.g. failed late)
	Informational Grade = "INFORMATIONAL" // the RFC leaves the outcome open; only reported
	Unimplemented Grade = "UNIMPLEMENTED" // the peer did not accept the extension the case needs
	Failed        Grade = "FAILED"        // anything else
)

// The extra grades of a case's closing verdict, behaviorClose (catalogue, section 1.2).
const (
	Unclean         Grade = "UNCLEAN"          // a clean close was required and did not happen
	WrongCode       Grade = "WRONG CODE"       // the peer's close code is not one the case accepts
	FailedByClient  Grade = "FAILED BY CLIENT" // the fuzzing client had to drop TCP itself (Section 7.1.1)
	gradeNotGraded  Grade = ""
	closeNotChecked Grade = "INFORMATIONAL"
)

// Grades lists the behavior grades in report order.
var Grades = []Grade{OK, NonStrict, Informational, Unimplemented, Failed}

// IsPass reports whether g is acceptable as a closing verdict: OK or INFORMATIONAL.
func (g Grade) IsPass() bool { return g == OK || g == Informational }
