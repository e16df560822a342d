// Choosing a team answers with the page at its own address, which Chromium treats as a reload and so puts the
// board where the team list was scrolled to: the chosen team's board opens at its top instead (this page's
// later reloads then start at the top too).
document.addEventListener("submit", function (event) {
  if (event.target.closest && event.target.closest("#teampick, #team-change")) {
    history.scrollRestoration = "manual";
  }
});
