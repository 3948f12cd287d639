// A module that is not a policy.
export const answer = 42;
