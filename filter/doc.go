// Package filter holds the pipeline stages between ingest and deliver. Each
// stage settles or re-targets recipients of a job and hands the job on; none
// of them writes mail.
package filter
