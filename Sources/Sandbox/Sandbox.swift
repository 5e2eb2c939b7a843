import CSandbox
