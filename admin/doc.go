// Package admin holds what an administrator does: invite and remove people,
// register and remove client apps, and open the first-admin setup link.
// The CLI calls it today; an admin API and console will call the same
// methods.
package admin
