"""The institutions catalog: the bodies cases refer to and consent to share with; administrators keep it."""
