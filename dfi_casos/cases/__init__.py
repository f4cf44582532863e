"""Cases: the unit of work, its stage workflow, recognition, approvals, services and referrals."""
