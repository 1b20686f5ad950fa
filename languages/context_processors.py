# A page's address as the chooser sends it back; beyond this many characters (a pasted
# novel in ?q=) the chooser returns to the page without its query rather than echo it.
LONGEST_NEXT = 500


def chooser(request):
    """Where the language chooser returns to: the page it was on."""
    here = request.get_full_path()
    return {"language_next": here if len(here) <= LONGEST_NEXT else request.path}
