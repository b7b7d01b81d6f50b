"""The password gate: needed as soon as the app is served beyond this machine.

Bound to localhost (the project's ``.streamlit/config.toml`` and ``rom app``), nothing
is asked unless a password is set. Served on any other address, the app shows nothing
until the password is given, and refuses to run at all when none is set. The password
comes from the ``ROM_APP_PASSWORD`` environment variable or ``password`` in Streamlit
secrets (``.streamlit/secrets.toml``).
"""

from __future__ import annotations

import hmac
import os

LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1")


def configured_password() -> str | None:
    """The password from the environment, else from Streamlit secrets, else None."""
    env = os.environ.get("ROM_APP_PASSWORD")
    if env:
        return env
    import streamlit as st

    try:
        secret = st.secrets.get("password")
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        return None
    return str(secret) if secret else None


def is_local(address: str | None) -> bool:
    """Whether the server address only accepts connections from this machine (an unset
    address means every interface)."""
    return bool(address) and address in LOCAL_ADDRESSES


def password_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def gate() -> bool:
    """Show the password form when one is needed; True once the user may go on."""
    import streamlit as st

    expected = configured_password()
    address = st.get_option("server.address")
    if expected is None:
        if is_local(address):
            return True
        st.error(
            f"This dashboard is served on the network address {address or 'all interfaces'} "
            "without a password. Set ROM_APP_PASSWORD (or password in "
            ".streamlit/secrets.toml) and restart, or serve it on 127.0.0.1 only."
        )
        return False
    if st.session_state.get("authenticated"):
        return True
    with st.form("login"):
        given = st.text_input("Password", type="password")
        if st.form_submit_button("Enter"):
            if password_matches(given, expected):
                st.session_state["authenticated"] = True
                st.rerun()
            st.error("Wrong password.")
    return False
