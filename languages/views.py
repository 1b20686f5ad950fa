from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from languages import choice


@require_POST
def choose(request):
    """The chooser's buttons post here: keep the language (saved for a logged-in person, in a
    cookie for everyone) and go back to the page the button was on."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("messaging:dashboard")
    response = HttpResponseRedirect(back)
    code = request.POST.get("language", "")
    if not choice.offered(code):
        messages.error(request, _("That language is not offered. Choose English or Kiswahili."))
        return response
    choice.save(request, code)
    choice.set_cookie(response, code)
    return response
